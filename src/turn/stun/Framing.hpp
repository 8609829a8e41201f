#pragma once
// ChannelData (spec §6) and demultiplexing of what arrives on a listener (spec §1.4):
// datagram classification, and delimiting the next frame in a TCP/TLS byte stream.
#include "turn/stun/Constants.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace talk::turn::stun {

enum class PacketKind
{
  Stun,        // first byte 0x00..0x03
  ChannelData, // first byte 0x40..0x7F
  Dtls,        // first byte 0x14..0x3F (only meaningful where DTLS is served)
  Other,       // drop
};

// Classifies a UDP datagram by its first byte (empty → Other).
PacketKind classifyDatagram(std::span<const uint8_t> datagram) noexcept;

struct ChannelDataView
{
  uint16_t channel = 0;
  std::span<const uint8_t> payload;
};

// Parses a ChannelData message at the start of `data`. Bytes after 4 + length (sender padding)
// are ignored; nullopt if the channel number is outside 0x4000..0x7FFF or the data is shorter
// than 4 + length. No allocation: the payload is a view into `data`.
std::optional<ChannelDataView> parseChannelData(std::span<const uint8_t> data) noexcept;

// Size of a ChannelData message with `payloadLength` bytes: 4 + length, rounded up to a
// multiple of 4 when `padded` (TCP/TLS, spec §6).
constexpr size_t channelDataSize(size_t payloadLength, bool padded) noexcept
{
  size_t size = ChannelDataHeaderSize + payloadLength;
  return padded ? (size + 3) & ~size_t(3) : size;
}

// Writes the 4-byte ChannelData header into out[0..4). Returns false if `out` is too small.
bool writeChannelDataHeader(std::span<uint8_t> out, uint16_t channel, uint16_t payloadLength) noexcept;

// Writes header + payload (+ zero padding when `padded`) into `out`; returns the bytes
// written, 0 if it does not fit or the payload exceeds 65535 bytes.
size_t writeChannelData(std::span<uint8_t> out, uint16_t channel, std::span<const uint8_t> payload,
                        bool padded) noexcept;

enum class FrameStatus
{
  Complete, // `size` bytes at the start of the buffer form one frame
  NeedMore, // not enough bytes yet to know or to hold the frame; read more
  Invalid,  // not STUN nor ChannelData: close the connection
};

enum class FrameKind
{
  Stun,
  ChannelData,
};

struct StreamFrame
{
  FrameStatus status = FrameStatus::NeedMore;
  FrameKind kind = FrameKind::Stun;
  // Bytes the frame occupies in the stream: STUN 20 + length; ChannelData 4 + length rounded
  // up to a multiple of 4 (padding included — consume all of them). Set for Complete, and for
  // NeedMore once the header is known (0 before) so a reader can size its buffer.
  size_t size = 0;
};

// Delimits the next frame at the start of a TCP/TLS stream buffer (spec §1.4). The STUN frame
// is not validated beyond type bits, length alignment and magic cookie: pass it to
// Message::parse. A ChannelData frame is passed to parseChannelData (which ignores the pad).
StreamFrame nextStreamFrame(std::span<const uint8_t> buffer) noexcept;

}
