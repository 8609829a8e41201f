#pragma once
// The way back to an HTTP client. A handler gets one per request and calls send() exactly
// once, right away or later (from a timer, a NATS reply, ...) on the loop thread. Copies
// share one exchange: the first send() wins, later ones are ignored. If the client has
// gone, send() does nothing; if every copy is dropped without send(), the client gets a
// 500, so no request hangs forever.
#include "common/http/Message.hpp"

#include <memory>

namespace talk::http {

namespace detail {
struct Exchange;
}

class Responder
{
public:
  explicit Responder(std::shared_ptr<detail::Exchange> exchange);

  void send(Response response);
  // False once the client disconnected or the response was sent.
  bool alive() const;

private:
  std::shared_ptr<detail::Exchange> d_exchange;
};

}
