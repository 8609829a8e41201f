#define TLOG_COMPONENT "sctp"
#include "rtc/transport/SctpAssociation.hpp"

#include "common/ev/Watchers.hpp"
#include "common/log/Logger.hpp"
#include "common/util/Error.hpp"
#include "rtc/transport/DataChannelProtocol.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <exception>
#include <unordered_set>
#include <usrsctp.h>

namespace talk::rtc {

namespace {

// RFC 8831 §8 payload protocol identifiers.
constexpr uint32_t PpidDcep = 50;
constexpr uint32_t PpidString = 51;
constexpr uint32_t PpidBinary = 53;
constexpr uint32_t PpidStringEmpty = 56;
constexpr uint32_t PpidBinaryEmpty = 57;

// Streams we announce both ways; browsers open few channels (Talk: two).
constexpr uint16_t StreamCount = 1024;
// SCTP packets travel inside DTLS records in datagrams of DtlsTransport::DefaultMtu (1200):
// leave room for the record header, explicit nonce / IV, MAC and padding.
constexpr uint32_t SctpPathMtu = 1200 - 100;
constexpr size_t ReadBufferSize = 65536;

sockaddr_conn connAddress(void* address, uint16_t port)
{
  sockaddr_conn sconn{};
  sconn.sconn_family = AF_CONN;
  sconn.sconn_port = htons(port);
  sconn.sconn_addr = address;
  return sconn;
}

template <typename T>
void setOption(struct socket* sock, int level, int name, const T& value, const char* what)
{
  if (usrsctp_setsockopt(sock, level, name, &value, sizeof(value)) != 0) {
    throw SystemError(std::string("usrsctp setsockopt ") + what, errno);
  }
}

}

// Process-wide usrsctp state shared by the associations of the one loop that drives it:
// the live set (usrsctp may call back for an address being torn down), associations with
// readable sockets (upcalls only mark; reading happens after usrsctp returns, never inside
// its locks), and the timer that stands in for usrsctp's own timer thread.
class SctpAssociation::Stack : private ev::Timer::Listener
{
public:
  explicit Stack(ev::EventLoop& loop) :
    d_loop(loop), d_timer(loop, this), d_last(loop.now())
  {
    d_timer.start(TickSeconds, TickSeconds);
  }

  static Stack& attach(ev::EventLoop& loop, SctpAssociation* association)
  {
    if (!s_stack) {
      s_stack = std::make_unique<Stack>(loop);
    }
    else if (&s_stack->d_loop != &loop) {
      throw Error("all SCTP associations of a process must share one loop (usrsctp runs without threads)");
    }
    s_stack->d_live.insert(association);
    return *s_stack;
  }

  static void detach(SctpAssociation* association)
  {
    if (!s_stack) {
      return;
    }
    s_stack->d_live.erase(association);
    auto& pending = s_stack->d_pending;
    pending.erase(std::remove(pending.begin(), pending.end(), association), pending.end());
    if (s_stack->d_live.empty() && s_stack->d_processing == 0) {
      s_stack.reset();
    }
  }

  static SctpAssociation* live(void* address)
  {
    if (!s_stack) {
      return nullptr;
    }
    auto* association = static_cast<SctpAssociation*>(address);
    return s_stack->d_live.count(association) != 0 ? association : nullptr;
  }

  // One receive buffer for all associations: drains never nest (processPending is not
  // re-entered), and each message is handled before the next read.
  static uint8_t* readBuffer() { return s_stack->d_readBuffer.get(); }

  static void markReadable(SctpAssociation* association)
  {
    if (s_stack && !association->d_readPending) {
      association->d_readPending = true;
      s_stack->d_pending.push_back(association);
    }
  }

  // Reads every socket usrsctp marked while we were inside it. Listeners may send (which
  // may mark more) or destroy other associations (detach removes them from the list).
  static void processPending()
  {
    if (!s_stack || s_stack->d_processing > 0) {
      return;
    }
    ++s_stack->d_processing;
    while (s_stack && !s_stack->d_pending.empty()) {
      SctpAssociation* association = s_stack->d_pending.front();
      s_stack->d_pending.erase(s_stack->d_pending.begin());
      association->d_readPending = false;
      association->drain();
    }
    if (s_stack) {
      --s_stack->d_processing;
      if (s_stack->d_live.empty()) {
        s_stack.reset();
      }
    }
  }

private:
  static constexpr double TickSeconds = 0.01;

  void onTimer(ev::Timer& /*timer*/) override
  {
    const double now = d_loop.now();
    const auto elapsedMs = static_cast<uint32_t>(std::max(0.0, (now - d_last) * 1000.0));
    if (elapsedMs == 0) {
      return;
    }
    d_last += elapsedMs / 1000.0;
    usrsctp_handle_timers(elapsedMs);
    processPending();
  }

  static inline std::unique_ptr<Stack> s_stack;

  ev::EventLoop& d_loop;
  ev::Timer d_timer;
  double d_last;
  int d_processing{0};
  std::unordered_set<SctpAssociation*> d_live;
  std::vector<SctpAssociation*> d_pending;
  std::unique_ptr<uint8_t[]> d_readBuffer = std::make_unique<uint8_t[]>(ReadBufferSize);
};

int SctpAssociation::onOutput(void* address, void* buffer, size_t length, uint8_t /*tos*/, uint8_t /*setDf*/)
{
  SctpAssociation* self = Stack::live(address);
  if (self == nullptr || self->d_closed) {
    return 0;
  }
  try {
    self->d_listener->onSctpSendPacket(*self, std::span<const uint8_t>(static_cast<const uint8_t*>(buffer), length));
  }
  catch (const std::exception& e) {
    TLOG_ERROR("SCTP output callback failed: %s", e.what());
  }
  catch (...) {
    TLOG_ERROR("SCTP output callback failed");
  }
  return 0;
}

void SctpAssociation::onUpcall(struct socket* /*sock*/, void* arg, int /*flags*/)
{
  if (SctpAssociation* self = Stack::live(arg)) {
    Stack::markReadable(self);
  }
}

SctpAssociation::SctpAssociation(ev::EventLoop& loop, const Config& config, Listener* listener) :
  d_listener(listener),
  d_config(config),
  d_nextStreamId(config.dtlsClient ? 0 : 1)
{
  Stack::attach(loop, this);
  usrsctp_register_address(this);
  d_socket = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, nullptr, nullptr, 0, nullptr);
  if (d_socket == nullptr) {
    const int err = errno;
    usrsctp_deregister_address(this);
    Stack::detach(this);
    throw SystemError("usrsctp_socket", err);
  }
  try {
    usrsctp_set_upcall(d_socket, &SctpAssociation::onUpcall, this);
    if (usrsctp_set_non_blocking(d_socket, 1) != 0) {
      throw SystemError("usrsctp_set_non_blocking", errno);
    }
    // Closing aborts at once: no lingering socket calls back after we are gone.
    setOption(d_socket, SOL_SOCKET, SO_LINGER, linger{1, 0}, "SO_LINGER");
    const int bufferSize = 1024 * 1024;
    setOption(d_socket, SOL_SOCKET, SO_RCVBUF, bufferSize, "SO_RCVBUF");
    setOption(d_socket, SOL_SOCKET, SO_SNDBUF, bufferSize, "SO_SNDBUF");
    setOption(d_socket, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET,
              sctp_assoc_value{SCTP_ALL_ASSOC, SCTP_ENABLE_RESET_STREAM_REQ | SCTP_ENABLE_CHANGE_ASSOC_REQ},
              "SCTP_ENABLE_STREAM_RESET");
    setOption(d_socket, IPPROTO_SCTP, SCTP_NODELAY, 1, "SCTP_NODELAY");
    setOption(d_socket, IPPROTO_SCTP, SCTP_RECVRCVINFO, 1, "SCTP_RECVRCVINFO");
    sctp_initmsg init{};
    init.sinit_num_ostreams = StreamCount;
    init.sinit_max_instreams = StreamCount;
    setOption(d_socket, IPPROTO_SCTP, SCTP_INITMSG, init, "SCTP_INITMSG");
    for (uint16_t type : {SCTP_ASSOC_CHANGE, SCTP_STREAM_RESET_EVENT, SCTP_SHUTDOWN_EVENT, SCTP_REMOTE_ERROR,
                          SCTP_SEND_FAILED_EVENT}) {
      sctp_event event{};
      event.se_assoc_id = SCTP_ALL_ASSOC;
      event.se_on = 1;
      event.se_type = type;
      setOption(d_socket, IPPROTO_SCTP, SCTP_EVENT, event, "SCTP_EVENT");
    }
    sockaddr_conn local = connAddress(this, d_config.localPort);
    if (usrsctp_bind(d_socket, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) {
      throw SystemError("usrsctp_bind", errno);
    }
  }
  catch (...) {
    Stack::detach(this);
    usrsctp_close(d_socket);
    usrsctp_deregister_address(this);
    throw;
  }
}

SctpAssociation::~SctpAssociation()
{
  // Detach first: the abort that closing sends must not reach a listener being torn down.
  Stack::detach(this);
  usrsctp_set_upcall(d_socket, nullptr, nullptr);
  usrsctp_close(d_socket);
  usrsctp_deregister_address(this);
}

void SctpAssociation::connect()
{
  sockaddr_conn remote = connAddress(this, d_config.remotePort);
  const int rc = usrsctp_connect(d_socket, reinterpret_cast<sockaddr*>(&remote), sizeof(remote));
  if (rc != 0 && errno != EINPROGRESS) {
    TLOG_INFO("usrsctp_connect failed: %s", std::strerror(errno));
    setClosed();
    return;
  }
  // Path MTU fixed: no PMTU discovery through DTLS.
  sctp_paddrparams params{};
  std::memcpy(&params.spp_address, &remote, sizeof(remote));
  params.spp_flags = SPP_PMTUD_DISABLE;
  params.spp_pathmtu = SctpPathMtu;
  if (usrsctp_setsockopt(d_socket, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &params, sizeof(params)) != 0) {
    TLOG_DEBUG("sctp", "SCTP_PEER_ADDR_PARAMS failed: %s", std::strerror(errno));
  }
  Stack::processPending();
}

void SctpAssociation::handlePacket(std::span<const uint8_t> packet) noexcept
{
  if (d_closed || packet.empty()) {
    return;
  }
  usrsctp_conninput(this, packet.data(), packet.size(), 0);
  try {
    Stack::processPending();
  }
  catch (...) {
    TLOG_ERROR("SCTP receive processing failed");
  }
}

void SctpAssociation::drain() noexcept
{
  try {
    while (!d_closed) {
      sctp_rcvinfo info{};
      socklen_t infoLength = sizeof(info);
      unsigned int infoType = 0;
      int flags = 0;
      sockaddr_conn from{};
      socklen_t fromLength = sizeof(from);
      uint8_t* buffer = Stack::readBuffer();
      const ssize_t n = usrsctp_recvv(d_socket, buffer, ReadBufferSize, reinterpret_cast<sockaddr*>(&from),
                                      &fromLength, &info, &infoLength, &infoType, &flags);
      if (n < 0) {
        if (errno != EWOULDBLOCK && errno != EAGAIN && errno != ENOTCONN) {
          TLOG_DEBUG("sctp", "usrsctp_recvv: %s", std::strerror(errno));
        }
        return;
      }
      if (n == 0) {
        setClosed();
        return;
      }
      const std::span<const uint8_t> data(buffer, static_cast<size_t>(n));
      if ((flags & MSG_NOTIFICATION) != 0) {
        handleNotification(data);
        continue;
      }
      if (infoType != SCTP_RECVV_RCVINFO) {
        continue;
      }
      const uint16_t streamId = info.rcv_sid;
      const uint32_t ppid = ntohl(info.rcv_ppid);
      const bool endOfRecord = (flags & MSG_EOR) != 0;
      if (d_partialOversized) {
        // Skipping the rest of a message that was already over the limit.
        d_partialOversized = !endOfRecord;
        continue;
      }
      if (!endOfRecord || !d_partial.empty()) {
        // A message larger than one read: collect it, within the advertised limit.
        if (d_partial.size() + data.size() > d_config.maxMessageSize) {
          TLOG_INFO("data channel message over max-message-size=%zu dropped", d_config.maxMessageSize);
          d_partial.clear();
          d_partialOversized = !endOfRecord;
          continue;
        }
        d_partial.insert(d_partial.end(), data.begin(), data.end());
        if (!endOfRecord) {
          continue;
        }
        std::vector<uint8_t> whole;
        whole.swap(d_partial);
        handleMessage(streamId, ppid, whole);
        continue;
      }
      handleMessage(streamId, ppid, data);
    }
  }
  catch (const std::exception& e) {
    TLOG_ERROR("SCTP receive failed: %s", e.what());
  }
  catch (...) {
    TLOG_ERROR("SCTP receive failed");
  }
}

void SctpAssociation::handleNotification(std::span<const uint8_t> data)
{
  // Every notification starts with its 16-bit type (union sctp_notification).
  uint16_t type = 0;
  if (data.size() < sizeof(type)) {
    return;
  }
  std::memcpy(&type, data.data(), sizeof(type));
  switch (type) {
  case SCTP_ASSOC_CHANGE: {
    if (data.size() < sizeof(sctp_assoc_change)) {
      return;
    }
    sctp_assoc_change change{};
    std::memcpy(&change, data.data(), sizeof(change));
    if (change.sac_state == SCTP_COMM_UP) {
      if (!d_connected) {
        d_connected = true;
        TLOG_DEBUG("sctp", "SCTP association up streams in=%u out=%u", change.sac_inbound_streams,
                   change.sac_outbound_streams);
        d_listener->onSctpConnected(*this);
      }
    }
    else if (change.sac_state == SCTP_COMM_LOST || change.sac_state == SCTP_SHUTDOWN_COMP ||
             change.sac_state == SCTP_CANT_STR_ASSOC) {
      setClosed();
    }
    return;
  }
  case SCTP_SHUTDOWN_EVENT:
    setClosed();
    return;
  case SCTP_STREAM_RESET_EVENT: {
    if (data.size() < sizeof(sctp_stream_reset_event)) {
      return;
    }
    sctp_stream_reset_event event{};
    std::memcpy(&event, data.data(), sizeof(event));
    if ((event.strreset_flags & SCTP_STREAM_RESET_INCOMING_SSN) == 0 ||
        (event.strreset_flags & (SCTP_STREAM_RESET_DENIED | SCTP_STREAM_RESET_FAILED)) != 0) {
      return;
    }
    const size_t listBytes = std::min<size_t>(event.strreset_length, data.size()) - sizeof(sctp_stream_reset_event);
    const size_t count = std::min<size_t>(event.strreset_length, data.size()) < sizeof(sctp_stream_reset_event)
                             ? 0
                             : listBytes / sizeof(uint16_t);
    for (size_t i = 0; i < count; ++i) {
      uint16_t streamId = 0;
      std::memcpy(&streamId, data.data() + sizeof(sctp_stream_reset_event) + i * sizeof(uint16_t), sizeof(streamId));
      auto it = d_channels.find(streamId);
      if (it == d_channels.end()) {
        continue;
      }
      // The peer closed its direction: close ours too (RFC 8831 §6.7), then report.
      const Channel closed = it->second;
      d_channels.erase(it);
      resetStream(streamId);
      d_listener->onDataChannelClosed(*this, closed);
    }
    return;
  }
  default:
    return;
  }
}

void SctpAssociation::handleMessage(uint16_t streamId, uint32_t ppid, std::span<const uint8_t> data)
{
  switch (ppid) {
  case PpidDcep:
    handleDcep(streamId, data);
    return;
  case PpidString:
  case PpidBinary:
  case PpidStringEmpty:
  case PpidBinaryEmpty: {
    auto it = d_channels.find(streamId);
    if (it == d_channels.end()) {
      TLOG_DEBUG("sctp", "message on unknown stream=%u dropped", streamId);
      return;
    }
    const bool binary = ppid == PpidBinary || ppid == PpidBinaryEmpty;
    const bool empty = ppid == PpidStringEmpty || ppid == PpidBinaryEmpty;
    // A message on the peer's side implies its open was acked by data (RFC 8832 §6).
    it->second.open = true;
    d_listener->onDataChannelMessage(*this, it->second, empty ? std::span<const uint8_t>{} : data, binary);
    return;
  }
  default:
    TLOG_DEBUG("sctp", "unsupported ppid=%u on stream=%u", ppid, streamId);
    return;
  }
}

void SctpAssociation::handleDcep(uint16_t streamId, std::span<const uint8_t> data)
{
  if (dcep::isAck(data)) {
    auto it = d_channels.find(streamId);
    if (it != d_channels.end() && !it->second.open) {
      it->second.open = true;
      d_listener->onDataChannelOpen(*this, it->second);
    }
    return;
  }
  auto open = dcep::parseOpen(data);
  if (!open) {
    TLOG_DEBUG("sctp", "malformed DCEP message on stream=%u", streamId);
    return;
  }
  Channel channel;
  channel.streamId = streamId;
  channel.label = std::move(open->label);
  channel.protocol = std::move(open->protocol);
  // Partially reliable types (0x01/0x02, 0x81/0x82) are carried as reliable: browsers'
  // maxRetransmits/maxPacketLifeTime are hints we may ignore at the cost of latency.
  channel.ordered = open->ordered();
  channel.open = true;
  const uint8_t ack = dcep::MessageAck;
  if (!sendRaw(streamId, PpidDcep, false, std::span<const uint8_t>(&ack, 1))) {
    TLOG_INFO("cannot ack data channel stream=%u", streamId);
    return;
  }
  auto& stored = d_channels[streamId];
  stored = std::move(channel);
  TLOG_DEBUG("sctp", "peer opened data channel stream=%u label=%s", streamId, stored.label.c_str());
  d_listener->onDataChannelOpen(*this, stored);
}

std::optional<uint16_t> SctpAssociation::openChannel(std::string_view label, bool ordered, std::string_view protocol)
{
  if (!d_connected || d_closed || label.size() > 0xffff || protocol.size() > 0xffff) {
    return std::nullopt;
  }
  while (d_nextStreamId < StreamCount && d_channels.count(d_nextStreamId) != 0) {
    d_nextStreamId = static_cast<uint16_t>(d_nextStreamId + 2);
  }
  if (d_nextStreamId >= StreamCount) {
    return std::nullopt;
  }
  const uint16_t streamId = d_nextStreamId;
  d_nextStreamId = static_cast<uint16_t>(d_nextStreamId + 2);

  const auto open = dcep::encodeOpen(label, ordered, protocol);
  if (!open || !sendRaw(streamId, PpidDcep, false, *open)) {
    return std::nullopt;
  }
  Channel& channel = d_channels[streamId];
  channel.streamId = streamId;
  channel.label = std::string(label);
  channel.protocol = std::string(protocol);
  channel.ordered = ordered;
  channel.open = false;
  return streamId;
}

bool SctpAssociation::send(uint16_t streamId, std::span<const uint8_t> message, bool binary) noexcept
{
  auto it = d_channels.find(streamId);
  if (it == d_channels.end() || !d_connected || d_closed) {
    return false;
  }
  if (message.size() > std::min(d_config.maxMessageSize, d_remoteMaxMessageSize)) {
    TLOG_DEBUG("sctp", "message of %zu bytes over max-message-size", message.size());
    return false;
  }
  // Until the peer acked our open, messages go ordered (RFC 8832 §6).
  const bool unordered = !it->second.ordered && it->second.open;
  if (message.empty()) {
    const uint8_t zero = 0;
    return sendRaw(streamId, binary ? PpidBinaryEmpty : PpidStringEmpty, unordered, std::span<const uint8_t>(&zero, 1));
  }
  return sendRaw(streamId, binary ? PpidBinary : PpidString, unordered, message);
}

bool SctpAssociation::sendRaw(uint16_t streamId, uint32_t ppid, bool unordered, std::span<const uint8_t> data)
{
  sctp_sndinfo info{};
  info.snd_sid = streamId;
  info.snd_flags = SCTP_EOR | (unordered ? SCTP_UNORDERED : 0);
  info.snd_ppid = htonl(ppid);
  const ssize_t n = usrsctp_sendv(d_socket, data.data(), data.size(), nullptr, 0, &info, sizeof(info),
                                  SCTP_SENDV_SNDINFO, 0);
  const int err = errno;
  Stack::processPending();
  if (n < 0) {
    TLOG_DEBUG("sctp", "usrsctp_sendv stream=%u: %s", streamId, std::strerror(err));
    return false;
  }
  return static_cast<size_t>(n) == data.size();
}

void SctpAssociation::closeChannel(uint16_t streamId)
{
  if (d_channels.erase(streamId) == 0) {
    return;
  }
  resetStream(streamId);
}

void SctpAssociation::resetStream(uint16_t streamId)
{
  if (!d_connected || d_closed) {
    return;
  }
  std::array<uint8_t, sizeof(sctp_reset_streams) + sizeof(uint16_t)> storage{};
  sctp_reset_streams request{};
  request.srs_assoc_id = SCTP_ALL_ASSOC;
  request.srs_flags = SCTP_STREAM_RESET_OUTGOING;
  request.srs_number_streams = 1;
  std::memcpy(storage.data(), &request, sizeof(request));
  std::memcpy(storage.data() + sizeof(request), &streamId, sizeof(streamId));
  if (usrsctp_setsockopt(d_socket, IPPROTO_SCTP, SCTP_RESET_STREAMS, storage.data(),
                         static_cast<socklen_t>(storage.size())) != 0) {
    TLOG_DEBUG("sctp", "stream reset stream=%u: %s", streamId, std::strerror(errno));
  }
  Stack::processPending();
}

const SctpAssociation::Channel* SctpAssociation::channel(uint16_t streamId) const
{
  auto it = d_channels.find(streamId);
  return it != d_channels.end() ? &it->second : nullptr;
}

const SctpAssociation::Channel* SctpAssociation::channelByLabel(std::string_view label) const
{
  for (const auto& [id, channel] : d_channels) {
    if (channel.label == label) {
      return &channel;
    }
  }
  return nullptr;
}

void SctpAssociation::setClosed()
{
  if (d_closed) {
    return;
  }
  d_closed = true;
  d_connected = false;
  TLOG_DEBUG("sctp", "SCTP association closed");
  d_listener->onSctpClosed(*this);
}

}
