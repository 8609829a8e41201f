#define TLOG_COMPONENT "lws"
#include "common/daemon/LibraryScope.hpp"

#include "common/log/Logger.hpp"

#include <csignal>
#include <cstring>
#include <libwebsockets.h>
#include <string>

namespace talk::daemon {

namespace {

void lwsLogBridge(int level, const char* line) noexcept
{
  // Called from inside lws: nothing may escape, not even bad_alloc.
  try {
    std::string text(line != nullptr ? line : "");
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
      text.pop_back();
    }
    if ((level & LLL_ERR) != 0) {
      TLOG_ERROR("%s", text.c_str());
    }
    else if ((level & LLL_WARN) != 0) {
      TLOG_WARN("%s", text.c_str());
    }
    else {
      TLOG_DEBUG("lws", "%s", text.c_str());
    }
  }
  catch (...) {
  }
}

}

LibraryScope::LibraryScope()
{
  // A peer closing a socket must give EPIPE on that socket, not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  applyLogLevel();
}

LibraryScope::~LibraryScope()
{
  lws_set_log_level(LLL_ERR | LLL_WARN, lwsl_emit_stderr);
  std::signal(SIGPIPE, SIG_DFL);
}

void LibraryScope::applyLogLevel()
{
  int levels = LLL_ERR | LLL_WARN;
  if (log::debugEnabled("lws")) {
    levels |= LLL_NOTICE | LLL_INFO;
  }
  lws_set_log_level(levels, lwsLogBridge);
}

}
