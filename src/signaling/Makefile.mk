# libtalk-signaling and talk-signaling (fragment filled by its component)
