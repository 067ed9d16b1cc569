#include "chatlog.h"

Q_LOGGING_CATEGORY(lcChat, "natter.chat")
