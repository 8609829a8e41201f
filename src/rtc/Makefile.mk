# libtalk-rtc, protocol layer (RTP/RTCP/SDP, no I/O) (fragment filled by its component)
