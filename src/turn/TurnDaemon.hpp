#pragma once
// The DaemonSpec of talk-turn: name, config file, schema and service factory.
#include "common/daemon/DaemonMain.hpp"

namespace talk::turn {

daemon::DaemonSpec daemonSpec();

}
