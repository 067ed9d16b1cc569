#pragma once

// libsodium must be initialised once per process before its random generator or hashes are
// used; every class of this layer calls this first, from whichever thread gets there.
class SodiumInit
{
public:
    // Initialises libsodium the first time; aborts the process if it cannot (no entropy source:
    // minting a guessable token would be worse than not starting).
    static void ensure();
};
