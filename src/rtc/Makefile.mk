# libtalk-rtc, protocol layer (RTP/RTCP/SDP, no I/O): parsers and writers that never throw or
# allocate per packet, plus the per-stream logic built on them (sequence rewriting, NACK,
# retransmission history, simulcast layer selection) and the SDP model / answer builder.
noinst_LIBRARIES += src/rtc/libtalk-rtc.a

RTC_PROTOCOL_SOURCES = \
	src/rtc/rtp/RtpPacket.cpp src/rtc/rtp/RtpPacket.hpp \
	src/rtc/rtp/HeaderExtensionMap.cpp src/rtc/rtp/HeaderExtensionMap.hpp \
	src/rtc/rtp/HeaderExtensions.cpp src/rtc/rtp/HeaderExtensions.hpp \
	src/rtc/rtcp/Rtcp.cpp src/rtc/rtcp/Rtcp.hpp \
	src/rtc/rtcp/RtcpWriter.cpp src/rtc/rtcp/RtcpWriter.hpp \
	src/rtc/rtcp/TransportCc.cpp src/rtc/rtcp/TransportCc.hpp \
	src/rtc/codec/Vp8.cpp src/rtc/codec/Vp8.hpp \
	src/rtc/codec/Vp9.cpp src/rtc/codec/Vp9.hpp \
	src/rtc/codec/H264.cpp src/rtc/codec/H264.hpp \
	src/rtc/codec/Av1.cpp src/rtc/codec/Av1.hpp \
	src/rtc/codec/PayloadInspector.cpp src/rtc/codec/PayloadInspector.hpp \
	src/rtc/stream/SeqManager.hpp \
	src/rtc/stream/TimestampRewriter.hpp \
	src/rtc/stream/Vp8Rewriter.hpp \
	src/rtc/stream/NackGenerator.cpp src/rtc/stream/NackGenerator.hpp \
	src/rtc/stream/RtpRetransmissionBuffer.cpp src/rtc/stream/RtpRetransmissionBuffer.hpp \
	src/rtc/stream/SimulcastLayerSelector.cpp src/rtc/stream/SimulcastLayerSelector.hpp \
	src/rtc/sdp/Sdp.cpp src/rtc/sdp/Sdp.hpp \
	src/rtc/sdp/SdpAnswerBuilder.cpp src/rtc/sdp/SdpAnswerBuilder.hpp

src_rtc_libtalk_rtc_a_SOURCES = $(RTC_PROTOCOL_SOURCES)

# What a program or test linking libtalk-rtc needs (libtalk-common after it: link order).
TALK_RTC_LIBS = src/rtc/libtalk-rtc.a $(TALK_COMMON_LIBS)
