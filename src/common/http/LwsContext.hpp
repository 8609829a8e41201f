#pragma once
// Internal: the lws glue shared by Server and WebSocketClient. Not for use outside
// src/common/http.
#include "common/ev/EventLoop.hpp"
#include "common/util/CHandle.hpp"

#include <libwebsockets.h>

namespace talk::http::detail {

using LwsContextHandle = CHandle<struct lws_context, lws_context_destroy>;

// Creates an lws context whose sockets and timers run on loop (lws foreign libev loop).
// The caller fills protocols, options, user, limits; this adds the loop. Throws
// talk::Error if lws cannot start (most often: libwebsockets-evlib-ev is missing).
LwsContextHandle createContext(ev::EventLoop& loop, struct lws_context_creation_info& info, const char* what);

// lws_set_timeout(wsi, ..., LWS_TO_KILL_ASYNC): closes wsi from lws's next timer run, so
// it is safe outside and inside callbacks.
void killAsync(struct lws* wsi);

}
