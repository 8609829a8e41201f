// talk-sfu: WebRTC SFU with a Janus-compatible API. All logic lives in libtalk-sfu (style.md rule 1).
#include "sfu/SfuDaemon.hpp"

int main(int argc, char** argv) { return talk::daemon::runDaemon(talk::sfu::daemonSpec(), argc, argv); }
