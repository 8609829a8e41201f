// talk-turn: STUN/TURN relay server. All logic lives in libtalk-turn (style.md rule 1).
#include "turn/TurnDaemon.hpp"

int main(int argc, char** argv) { return talk::daemon::runDaemon(talk::turn::daemonSpec(), argc, argv); }
