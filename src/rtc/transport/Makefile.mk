# libtalk-rtc-transport: ICE (libnice), DTLS, SRTP, SCTP data channels, WebRtcTransport (fragment filled by its component)
