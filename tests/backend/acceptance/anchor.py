"""Where the anchor (Debian's nextcloud-spreed-signaling from bookworm-backports, 1.2.4)
deviates from our spec. The spec wins: these cases stay as they are and must pass against
talk-signaling; against the anchor the runner expects them to fail and reports them as
differences (a listed case that passes is a failure: the list is stale).

Each entry: case name -> why the anchor fails it (spec section / feature version)."""

# Behaviour the spec marks as newer than 1.2.4 (or where 1.2.4 behaves otherwise).
ANCHOR_1_2 = {
    "http_welcome_endpoint": "feature 'federation' is >=2.0.0 (spec 4); 1.2.4 lacks it in "
                             "X-Spreed-Signaling-Features, so current Talk refuses it",
    "invalid_utf8_message_type": "1.2.4 panics (prometheus label value not valid UTF-8, "
                                 "hub.go:895) and exits on a message whose type is invalid UTF-8",
    "invalid_utf8_in_fields": "1.2.4 (gorilla websocket + Go json) accepts text frames with "
                              "invalid UTF-8, replaces the bytes by U+FFFD and silently drops "
                              "e.g. a message to the mangled session id; spec: error or close",
    "throttle_internal_hello": "brute-force throttling is >=1.3.0 (spec 3.2)",
    "throttle_resume": "brute-force throttling of resume ids is >=1.3.0 (spec 3.4)",
    "throttle_backend_api": "brute-force throttling of the backend API is >=1.3.0 (spec 13.1)",
    "hello_base_url": "hello URL = Nextcloud base URL is >=2.0.4 (spec 3.2); 1.2.4 posts the "
                      "auth request to the base URL itself and fails with internal_error",
    "join_features_in_events": "client features in join events are >=2.0.2 (spec 6.1)",
    "chat_relay": "chat relay (one event per comment for chat-relay clients) is >=2.1.0 (spec 13.8)",
    "room_bandwidth": "`bandwidth` in the join response is >=2.1.0 (spec 5.1)",
    "transient_session_data": "sd:<sessionid> keys are >=2.1.0 (spec 8); 1.2.4 lets any session "
                              "write another session's key",
    "federation_unreachable": "federation is >=2.0.0 (spec 10); 1.2.4 ignores the `federation` "
                              "object and joins the local room",
    "resume_keeps_one_chat_refresh": "1.2.4 queues every chat refresh for a disconnected session; "
                                     "spec 3.4/13.8: only one is kept",
    "message_to_call": "recipient type `call` is >=2.0.2 (spec 7.1); 1.2.4 drops the message",
    "upgrade_response_headers": "features header on the WebSocket upgrade is >=1.3.2 (spec 1)",
}

# Only in --cluster mode.
_TRANSIENT = "transient data is not distributed between nodes in 1.2.4 (spec 8: via the " \
             "backend.room NATS subject); a client on the other node never sees the write"
ANCHOR_1_2_CLUSTER = {
    "message_other_backend_dropped": "1.2.4 delivers a session message to a session of another "
                                     "backend when it lives on the other node (spec 5.4, 7.1: "
                                     "silently dropped)",
    "cluster_resume_on_other_node": "resume on another node (lookup + proxy over gRPC) is "
                                    ">=1.3.0 (spec 3.4)",
    "transient_set_remove": _TRANSIENT, "transient_same_value_not_broadcast": _TRANSIENT,
    "transient_null_removes": _TRANSIENT, "transient_ttl": _TRANSIENT,
    "transient_initial": _TRANSIENT, "transient_internal_always_allowed": _TRANSIENT,
}


def differences(version, cluster):
    diffs = {}
    if version.startswith("1."):
        diffs.update(ANCHOR_1_2)
        if cluster:
            diffs.update(ANCHOR_1_2_CLUSTER)
    return diffs
