#pragma once
// The DaemonSpec of talk-signaling: name, config file, schema and service factory.
#include "common/daemon/DaemonMain.hpp"

namespace talk::signaling {

daemon::DaemonSpec daemonSpec();

}
