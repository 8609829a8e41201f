#include "turn/stun/Framing.hpp"

#include "common/util/ByteReader.hpp"
#include "common/util/ByteWriter.hpp"

#include <cstring>

namespace talk::turn::stun {

PacketKind classifyDatagram(std::span<const uint8_t> datagram) noexcept
{
  if (datagram.empty()) {
    return PacketKind::Other;
  }
  const uint8_t first = datagram[0];
  if (first <= 0x03) {
    return PacketKind::Stun;
  }
  if (first >= 0x40 && first <= 0x7F) {
    return PacketKind::ChannelData;
  }
  if (first >= 0x14 && first <= 0x3F) {
    return PacketKind::Dtls;
  }
  return PacketKind::Other;
}

std::optional<ChannelDataView> parseChannelData(std::span<const uint8_t> data) noexcept
{
  if (data.size() < ChannelDataHeaderSize) {
    return std::nullopt;
  }
  const uint16_t channel = ByteReader::loadU16(data, 0);
  const size_t length = ByteReader::loadU16(data, 2);
  if (!isValidChannelNumber(channel) || length > data.size() - ChannelDataHeaderSize) {
    return std::nullopt;
  }
  return ChannelDataView{channel, data.subspan(ChannelDataHeaderSize, length)};
}

bool writeChannelDataHeader(std::span<uint8_t> out, uint16_t channel, uint16_t payloadLength) noexcept
{
  if (out.size() < ChannelDataHeaderSize) {
    return false;
  }
  ByteWriter::storeU16(out, 0, channel);
  ByteWriter::storeU16(out, 2, payloadLength);
  return true;
}

size_t writeChannelData(std::span<uint8_t> out, uint16_t channel, std::span<const uint8_t> payload,
                        bool padded) noexcept
{
  if (payload.size() > 0xFFFF) {
    return 0;
  }
  const size_t size = channelDataSize(payload.size(), padded);
  if (out.size() < size) {
    return 0;
  }
  writeChannelDataHeader(out, channel, static_cast<uint16_t>(payload.size()));
  if (!payload.empty()) {
    std::memcpy(out.data() + ChannelDataHeaderSize, payload.data(), payload.size());
  }
  const size_t pad = size - ChannelDataHeaderSize - payload.size();
  if (pad != 0) {
    std::memset(out.data() + ChannelDataHeaderSize + payload.size(), 0, pad);
  }
  return size;
}

StreamFrame nextStreamFrame(std::span<const uint8_t> buffer) noexcept
{
  StreamFrame frame;
  if (buffer.empty()) {
    return frame;
  }
  const uint8_t first = buffer[0];
  if (first <= 0x03) {
    frame.kind = FrameKind::Stun;
    if (buffer.size() < 4) {
      return frame;
    }
    const size_t length = ByteReader::loadU16(buffer, 2);
    if (length % 4 != 0) {
      frame.status = FrameStatus::Invalid;
      return frame;
    }
    if (buffer.size() >= 8 && ByteReader::loadU32(buffer, 4) != MagicCookie) {
      frame.status = FrameStatus::Invalid;
      return frame;
    }
    frame.size = HeaderSize + length;
  }
  else if (first >= 0x40 && first <= 0x7F) {
    frame.kind = FrameKind::ChannelData;
    if (buffer.size() < ChannelDataHeaderSize) {
      return frame;
    }
    frame.size = channelDataSize(ByteReader::loadU16(buffer, 2), true);
  }
  else {
    frame.status = FrameStatus::Invalid;
    return frame;
  }
  // A STUN frame is only complete once its cookie could be checked (size >= 20 > 8).
  frame.status = buffer.size() >= frame.size ? FrameStatus::Complete : FrameStatus::NeedMore;
  return frame;
}

}
