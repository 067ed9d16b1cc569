#include "netlog.h"

Q_LOGGING_CATEGORY(lcNet, "natter.net")
