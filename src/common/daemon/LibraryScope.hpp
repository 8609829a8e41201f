#pragma once
// Process-wide setup done once by runDaemon, undone in reverse on destruction: ignores
// SIGPIPE (sockets report EPIPE instead) and routes libwebsockets' log into ours.
// OpenSSL 3 needs no global init. Tests that use lws without runDaemon may create one.
namespace talk::daemon {

class LibraryScope
{
public:
  LibraryScope();
  ~LibraryScope();
  LibraryScope(const LibraryScope&) = delete;
  LibraryScope& operator=(const LibraryScope&) = delete;

  // Re-reads log level / "lws" debug category into lws_set_log_level (after a reload).
  static void applyLogLevel();
};

}
