#include "chatlog.h"

Q_LOGGING_CATEGORY(lcChat, "natter.chat")
Q_LOGGING_CATEGORY(lcModeration, "natter.moderation")
