# unit tests of libtalk-signaling and its backend library (fragment filled by its component)
