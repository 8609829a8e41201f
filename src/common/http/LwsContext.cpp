#include "common/http/LwsContext.hpp"

#include "common/util/Error.hpp"

#include <string>

namespace talk::http::detail {

LwsContextHandle createContext(ev::EventLoop& loop, struct lws_context_creation_info& info, const char* what)
{
  void* foreignLoops[1] = {loop.raw()};
  info.options |= LWS_SERVER_OPTION_LIBEV;
  info.foreign_loops = foreignLoops;
  LwsContextHandle context(lws_create_context(&info));
  info.foreign_loops = nullptr;
  if (!context) {
    throw Error(std::string(what) + ": cannot create the libwebsockets context (is libwebsockets-evlib-ev installed?)");
  }
  return context;
}

void killAsync(struct lws* wsi)
{
  lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

}
