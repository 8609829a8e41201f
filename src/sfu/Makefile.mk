# libtalk-sfu and talk-sfu (fragment filled by its component)
