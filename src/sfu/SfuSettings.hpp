#pragma once
// The keys of <pkgsysconfdir>/sfu.cfg (talk-sfu's own file) and their typed form.
// SfuConfig is fixed for the process lifetime (listener, message bounds); SfuRuntime is
// what SIGHUP may change (API secret, tokens, session timeout, limits). Both are built
// once per (re)load and never modified afterwards (style.md rule 10).
#include "common/config/Schema.hpp"
#include "common/config/Settings.hpp"
#include "sfu/control/JanusApi.hpp"
#include "sfu/control/VideoRoom.hpp"

#include <cstddef>
#include <string>

namespace talk::sfu {

void describeSfuSettings(config::Schema& schema);

struct SfuConfig
{
  std::string listen{"127.0.0.1:8188"};
  size_t maxMessageBytes{1 << 20};
  size_t maxQueuedBytes{4 << 20};
};

struct SfuRuntime
{
  control::JanusApiOptions api;
  control::VideoRoomLimits limits;
};

// Throw ConfigError naming file:line: key.
SfuConfig parseSfuConfig(const config::Settings& own);
SfuRuntime parseSfuRuntime(const config::Settings& own, const std::string& version);

}
