#pragma once
// What the Hub needs from a client connection (the transport implements it).
#include <cstdint>
#include <string>

namespace talk::signaling {

class ClientLink
{
public:
  virtual ~ClientLink() = default;
  // Queues one text frame.
  virtual void send(std::string frame) = 0;
  // Closes after the queued frames; the Hub forgets the link before calling this.
  virtual void close(uint16_t code, const std::string& reason) = 0;
};

}
