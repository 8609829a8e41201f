#pragma once
// RtpPacket: a parsed view over one RTP packet held in a caller-owned mutable buffer
// (RFC 3550 §5.1, header extensions RFC 8285). parse() validates every length once, so the
// accessors afterwards are plain loads; setters rewrite the buffer in place. Nothing here
// allocates or throws: this is the SFU's per-packet path.
//
// Header extensions: one-byte (profile 0xBEDE, ids 1..14, 1..16 value bytes) and two-byte
// (profile 0x100X, ids 1..255, 0..255 value bytes) forms. A malformed extension block (an
// element running past the block, id 15 in the one-byte form, an id used twice) makes parse()
// fail: browsers never send one, and forwarding it would hand the problem to every subscriber.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace talk::rtc {

// The fields of a header to build (RtpPacketBuilder) — the packet's own identity.
struct RtpHeader
{
  uint8_t payloadType = 0;
  bool marker = false;
  uint16_t sequenceNumber = 0;
  uint32_t timestamp = 0;
  uint32_t ssrc = 0;
  std::span<const uint32_t> csrcs{};
};

class RtpPacket
{
public:
  static constexpr size_t FixedHeaderSize = 12;
  static constexpr uint16_t OneByteProfile = 0xBEDE;
  static constexpr uint16_t TwoByteProfile = 0x1000; // upper 12 bits; low 4 are "appbits"
  static constexpr uint8_t MaxOneByteId = 14;

  // RFC 7983 / RFC 5761 demultiplexing: first byte 128..191 and second byte not an RTCP type
  // (192..223). Cheap check on the first two bytes only.
  static bool looksLikeRtp(std::span<const uint8_t> data) noexcept;

  // Validates version 2, CSRC list, extension block (including every element), padding
  // (count within the packet, non-zero). The view keeps pointing into `data`.
  static std::optional<RtpPacket> parse(std::span<uint8_t> data) noexcept;

  // --- Fixed header ---
  uint8_t payloadType() const noexcept { return d_data[1] & 0x7f; }
  bool marker() const noexcept { return (d_data[1] & 0x80) != 0; }
  uint16_t sequenceNumber() const noexcept;
  uint32_t timestamp() const noexcept;
  uint32_t ssrc() const noexcept;
  size_t csrcCount() const noexcept { return d_data[0] & 0x0f; }
  uint32_t csrc(size_t index) const noexcept; // index < csrcCount()

  void setPayloadType(uint8_t pt) noexcept;
  void setMarker(bool marker) noexcept;
  void setSequenceNumber(uint16_t seq) noexcept;
  void setTimestamp(uint32_t ts) noexcept;
  void setSsrc(uint32_t ssrc) noexcept;

  // --- Sizes and regions ---
  std::span<uint8_t> bytes() const noexcept { return d_data; } // the whole packet
  size_t size() const noexcept { return d_data.size(); }
  size_t headerSize() const noexcept { return d_headerSize; } // fixed + CSRC + extension block
  std::span<const uint8_t> payload() const noexcept;
  std::span<uint8_t> mutablePayload() const noexcept;
  size_t paddingSize() const noexcept { return d_paddingSize; }
  // Payload empty and padding present: a bandwidth probe (Chrome sends these on RTX).
  bool isPaddingOnly() const noexcept { return payload().empty() && d_paddingSize > 0; }

  // --- Header extensions ---
  enum class ExtensionForm : uint8_t
  {
    None,
    OneByte,
    TwoByte,
  };
  ExtensionForm extensionForm() const noexcept { return d_form; }
  uint16_t extensionProfile() const noexcept; // 0 when there is no extension block
  // Raw extension block body (after the 4-byte profile/length word); empty if none.
  std::span<uint8_t> extensionBlock() const noexcept;

  // Value of extension element `id` (1..255), or nullopt when absent. The span is mutable so
  // a caller can rewrite a value of the same length in place (abs-send-time, transport-cc).
  std::optional<std::span<uint8_t>> extension(uint8_t id) const noexcept;

  // Renumbers element `from` to `to` (per-subscriber extmap ids). False when `from` is absent,
  // or `to` does not fit the packet's form (one-byte: 1..14).
  bool setExtensionId(uint8_t from, uint8_t to) noexcept;
  // Blanks element `id` (header and value become padding bytes, which receivers skip): how to
  // drop an extension a subscriber did not negotiate without moving the payload.
  bool eraseExtension(uint8_t id) noexcept;

  // Calls fn(uint8_t id, std::span<uint8_t> value) for every element, in packet order.
  template <typename Fn>
  void forEachExtension(Fn&& fn) const noexcept;

  // --- Copies and RTX (RFC 4588) ---
  // Copies the packet into `out` and returns a view over the copy (nullopt if it does not fit).
  std::optional<RtpPacket> copyTo(std::span<uint8_t> out) const noexcept;

  // Builds the RTX form of this packet in `out`: same header and extensions, payload type
  // `rtxPayloadType`, SSRC `rtxSsrc`, sequence `rtxSeq`, the original sequence number (OSN) in
  // front of the payload, padding dropped.
  std::optional<RtpPacket> rtxEncapsulate(std::span<uint8_t> out, uint8_t rtxPayloadType, uint32_t rtxSsrc,
                                          uint16_t rtxSeq) const noexcept;

  // Turns this RTX packet back into the original in place: sequence number from the OSN,
  // the given payload type and SSRC, payload moved over the OSN, padding dropped. The view
  // shrinks accordingly. False (packet untouched) when the payload is shorter than the OSN.
  bool rtxDecapsulate(uint8_t originalPayloadType, uint32_t originalSsrc) noexcept;

  // Drops trailing padding in place (clears P, shrinks the view).
  void removePadding() noexcept;

private:
  explicit RtpPacket(std::span<uint8_t> data) noexcept :
    d_data(data) {}
  // Walks the extension block; returns false on a malformed element. fn returns true to stop.
  template <typename Fn>
  static bool walkExtensions(std::span<uint8_t> block, ExtensionForm form, Fn&& fn) noexcept;

  std::span<uint8_t> d_data;
  size_t d_headerSize = FixedHeaderSize;
  size_t d_extensionOffset = 0; // offset of the element area (after the profile word), 0 if none
  size_t d_extensionSize = 0;   // bytes of the element area
  size_t d_paddingSize = 0;
  ExtensionForm d_form = ExtensionForm::None;
};

// Writes a new RTP packet into a caller buffer: header, then extensions (all in one form,
// chosen at construction), then payload, then optional padding. Every step returns false when
// the buffer is too small or the value does not fit the form; finish() returns the view.
class RtpPacketBuilder
{
public:
  RtpPacketBuilder(std::span<uint8_t> buffer, const RtpHeader& header,
                   RtpPacket::ExtensionForm form = RtpPacket::ExtensionForm::OneByte) noexcept;

  // Extensions must all be added before the payload.
  bool addExtension(uint8_t id, std::span<const uint8_t> value) noexcept;
  bool setPayload(std::span<const uint8_t> payload) noexcept;
  // Appends `paddingBytes` of RTP padding (last byte = count, P set) when non-zero, and
  // returns the finished packet; nullopt if any step failed.
  std::optional<RtpPacket> finish(uint8_t paddingBytes = 0) noexcept;
  bool ok() const noexcept { return d_ok; }

private:
  void closeExtensionBlock() noexcept;

  std::span<uint8_t> d_buffer;
  RtpPacket::ExtensionForm d_form;
  size_t d_pos = 0;
  size_t d_extStart = 0; // offset of the profile word, 0 while no extension was added
  bool d_extClosed = false;
  bool d_payloadSet = false;
  bool d_ok = true;
};

template <typename Fn>
bool RtpPacket::walkExtensions(std::span<uint8_t> block, ExtensionForm form, Fn&& fn) noexcept
{
  size_t i = 0;
  while (i < block.size()) {
    uint8_t b = block[i];
    if (b == 0) { // padding between elements
      ++i;
      continue;
    }
    uint8_t id = 0;
    size_t len = 0;
    size_t hdr = 0;
    if (form == ExtensionForm::OneByte) {
      id = static_cast<uint8_t>(b >> 4);
      len = static_cast<size_t>(b & 0x0f) + 1;
      hdr = 1;
      if (id == 15) { // reserved: stop processing (RFC 8285 §4.2); treat as malformed
        return false;
      }
      if (id == 0) { // id 0 with non-zero length is invalid
        return false;
      }
    } else {
      if (i + 1 >= block.size()) {
        return false;
      }
      id = b;
      len = block[i + 1];
      hdr = 2;
    }
    if (len > block.size() - i - hdr) {
      return false;
    }
    if (fn(id, block.subspan(i + hdr, len), i)) {
      return true;
    }
    i += hdr + len;
  }
  return true;
}

template <typename Fn>
void RtpPacket::forEachExtension(Fn&& fn) const noexcept
{
  if (d_form == ExtensionForm::None) {
    return;
  }
  walkExtensions(extensionBlock(), d_form, [&](uint8_t id, std::span<uint8_t> value, size_t) {
    fn(id, value);
    return false;
  });
}

}
