# unit tests of libtalk-rtc (fragment filled by its component)
