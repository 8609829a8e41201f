#pragma once
// The DaemonSpec of talk-sfu: name, config file, schema and service factory.
#include "common/daemon/DaemonMain.hpp"

namespace talk::sfu {

daemon::DaemonSpec daemonSpec();

}
