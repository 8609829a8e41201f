#define TLOG_COMPONENT "rtc"
#include "rtc/transport/TransportLibraryScope.hpp"

#include "common/log/Logger.hpp"
#include "common/util/Error.hpp"
#include "rtc/transport/SctpAssociation.hpp"

#include <string>

#include <srtp2/srtp.h>
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
  TLOG_DEBUG("rtc", "transport libraries initialised: %s", srtp_get_version_string());
}

TransportLibraryScope::~TransportLibraryScope()
{
  if (--s_scopes > 0) {
    return;
  }
  srtp_shutdown();
}

const char* TransportLibraryScope::srtpVersion()
{
  return srtp_get_version_string();
}

}
