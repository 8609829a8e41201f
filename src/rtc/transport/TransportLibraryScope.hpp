#pragma once
// Process-wide setup of the transport libraries, created once (DaemonMain order: after
// the common LibraryScope, before any transport) and undone in reverse: srtp_init /
// srtp_shutdown and usrsctp_init_nothreads / usrsctp_finish. Nested scopes are counted:
// only the outermost one initialises and finishes (tests may create one per fixture).
// Loop thread only.
namespace talk::rtc {

class TransportLibraryScope
{
public:
  TransportLibraryScope();
  ~TransportLibraryScope();
  TransportLibraryScope(const TransportLibraryScope&) = delete;
  TransportLibraryScope& operator=(const TransportLibraryScope&) = delete;

  // libsrtp2's version string ("libsrtp2 2.5.0").
  static const char* srtpVersion();
};

}
