#include "clusterlog.h"

Q_LOGGING_CATEGORY(lcCluster, "natter.cluster")
