// talk-signaling: Nextcloud Talk signaling server. All logic lives in libtalk-signaling (style.md rule 1).
#include "signaling/SignalingDaemon.hpp"

int main(int argc, char** argv) { return talk::daemon::runDaemon(talk::signaling::daemonSpec(), argc, argv); }
