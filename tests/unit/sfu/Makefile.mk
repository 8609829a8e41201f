# unit tests of libtalk-sfu (fragment filled by its component)
