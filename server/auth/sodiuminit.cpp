#include "sodiuminit.h"

#include <QtGlobal>

#include <sodium.h>

void SodiumInit::ensure()
{
    // A function-static is initialised once, thread-safely, by the first caller.
    static const bool initialised = sodium_init() >= 0;
    if (!initialised) {
        qFatal("natter: libsodium could not be initialised");
    }
}
