#define TLOG_COMPONENT "rtc"
#include "rtc/transport/TransportLibraryScope.hpp"

#include "common/log/Logger.hpp"
#include "common/util/Error.hpp"
#include "rtc/transport/SctpAssociation.hpp"

#include <srtp2/srtp.h>
#include <string>
#include <usrsctp.h>

namespace talk::rtc {

namespace {

int s_scopes = 0;

}

TransportLibraryScope::TransportLibraryScope()
{
  if (s_scopes++ > 0) {
    return;
  }
  const srtp_err_status_t status = srtp_init();
  if (status != srtp_err_status_ok) {
    s_scopes = 0;
    throw Error("srtp_init failed (status " + std::to_string(static_cast<int>(status)) + ")");
  }
  // No UDP encapsulation port (0) and no usrsctp threads: SctpAssociation drives the
  // timers from its loop, so every usrsctp callback runs on that loop thread.
  usrsctp_init_nothreads(0, &SctpAssociation::onOutput, nullptr);
  // Browsers' SCTP stacks do not use ECN on data channels.
  usrsctp_sysctl_set_sctp_ecn_enable(0);
  TLOG_DEBUG("rtc", "transport libraries initialised: %s, usrsctp without threads", srtp_get_version_string());
}

TransportLibraryScope::~TransportLibraryScope()
{
  if (--s_scopes > 0) {
    return;
  }
  // usrsctp_finish refuses while sockets exist; by now every association is gone, but
  // its last timers may still hold the stack briefly.
  for (int attempt = 0; attempt < 100 && usrsctp_finish() != 0; ++attempt) {
    usrsctp_handle_timers(10);
  }
  srtp_shutdown();
}

const char* TransportLibraryScope::srtpVersion()
{
  return srtp_get_version_string();
}

}
