"""Hello v2 key variants, URL handling, newer features (join features, chat relay,
bandwidth, session transient data, federation errors), permissions that hide display
names, TURN credentials and stats (spec 3.2, 4, 5.1, 6.1, 8, 10, 12, 13.8, 14, 15.3)."""

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request

from harness import case, check, check_eq, join_entry
from cases_rooms import has
from cases_messages import pair
from cases_hello import v2


async def v2_ok(env, name, userid):
    nc = env.ncs[name]
    nc.add_user(userid)
    c, msg = await v2(env, nc, nc.token(userid))
    c.ok(msg, "hello")
    check_eq(c.hello["userid"], userid, "userid")


@case()
async def hello_v2_rs512(env):
    await v2_ok(env, "ncrs512", "alice")


@case()
async def hello_v2_es384(env):
    await v2_ok(env, "nces384", "alice")


@case()
async def hello_v2_es512(env):
    await v2_ok(env, "nces512", "alice")


@case()
async def hello_v2_ed25519_raw_key(env):
    # Talk may publish an Ed25519 key as bare base64 of the 32 key bytes (spec 3.2)
    await v2_ok(env, "ncedraw", "alice")


@case()
async def hello_v2_no_key_published(env):
    nc = env.ncs["ncnokey"]
    c, msg = await v2(env, nc, nc.token("alice"))
    check_eq(msg.get("error", {}).get("code"), "invalid_token", "no hello-v2-token-key")


@case()
async def capabilities_request(env):
    nc = env.ncs["nces384"]
    nc.add_user("bob")
    c, msg = await v2(env, nc, nc.token("bob"))
    c.ok(msg, "hello")
    caps = [r for r in nc.requests if r.path == "/ocs/v2.php/cloud/capabilities"]
    check(caps, "capabilities never fetched")
    h = caps[-1].headers
    check_eq(h.get("ocs-apirequest"), "true", "OCS-APIRequest")
    check("application/json" in h.get("accept", ""), "Accept: %r" % h.get("accept"))


@case()
async def hello_server_features(env):
    a = await env.user("alice")
    feats = a.hello.get("server", {}).get("features", [])
    check("virtual-sessions" not in feats, "client hello lists virtual-sessions")
    check("hello-v2" in feats, "client hello lacks hello-v2: %s" % feats)
    i = await env.internal()
    check("audio-video-permissions" not in i.hello["server"]["features"],
          "internal hello lists audio-video-permissions")


@case()
async def hello_unknown_client_type(env):
    c = await env.connect()
    rid = await c.request("hello", {"version": "1.0", "auth": {"type": "bogus", "url": env.nc.backend_url,
                                                                 "params": {"userid": "", "ticket": ""}}})
    msg = await c.expect_response(rid)
    # spec 16 names invalid_client_type "or unknown type at dispatch", spec 2 invalid_format
    # for invalid fields; the spec leaves the choice open, so both are accepted
    check(msg.get("type") == "error" and msg["error"]["code"] in ("invalid_client_type", "invalid_format"),
          "unknown auth type: %s" % msg)


@case()
async def backend_v3_rewrite(env):
    # hello names the v1 URL; the emulator announces signaling-v3: later requests use v3
    room = env.room(users=("alice",))
    env.nc.add_user("alice")
    since = len(env.nc.requests)
    c = await env.connect()
    v1 = env.nc.backend_url.replace("/api/v3/", "/api/v1/")
    c.ok(await c.hello_v1(v1, "alice", env.nc.ticket("alice")), "hello")
    await env.join(c, room)
    req = await env.nc.wait_request(lambda r: r.type == "room" and r.payload().get("roomid") == room,
                                    since=since)
    check("/spreed/api/v3/signaling/backend" in req.path, "room request path %s" % req.path)


@case()
async def hello_base_url(env):
    # [>=2.0.4] hello may name the Nextcloud base URL; requests go to its OCS endpoint
    env.nc.add_user("alice")
    since = len(env.nc.requests)
    c = await env.connect()
    c.ok(await c.hello_v1(env.nc.base_url.rstrip("/"), "alice", env.nc.ticket("alice")), "hello")
    req = await env.nc.wait_request(lambda r: r.type == "auth", since=since)
    check(req.path.endswith("/signaling/backend"), "auth request path %s" % req.path)


@case()
async def websocket_ping_after_connect(env):
    from cases_robustness import RawWebSocket
    ws = await RawWebSocket(env.nodes[0]).open()
    try:
        for _ in range(5):
            op, data = await ws.recv(timeout=5)
            if op == 9:
                ns = int(data.decode())
                check(abs(ns / 1e9 - time.time()) < 120, "ping payload is not the clock in ns: %r" % data)
                return
            check(op in (1,), "unexpected frame opcode %r" % op)
        check(False, "no ping right after connect")
    finally:
        ws.close()


@case()
async def hide_displaynames(env):
    room = env.room(users={"alice": None, "bob": ["publish-media", "hide-displaynames"]})
    env.nc.add_user("alice", "Alice Secret")
    a = await env.joined("alice", room)
    b = await env.joined("bob", room)
    await a.expect_event("room", "join", has(b.sessionid))
    entry = await join_entry(b, a.sessionid)
    check("displayname" not in entry.get("user", {}), "display name shown: %s" % entry)
    await a.to_session(b.sessionid, {"type": "nickChanged", "payload": {"name": "x"}})
    await a.to_session(b.sessionid, {"marker": 1})
    await b.expect_message(lambda m: m["data"] == {"marker": 1})
    check(not [m for m in b.received if m.get("type") == "message"
               and m["message"]["data"].get("type") == "nickChanged"], "nickChanged delivered")


@case()
async def join_features_in_events(env):
    room = env.room(users=("alice", "bob"))
    a = await env.joined("alice", room, features=["chat-relay"])
    b = await env.joined("bob", room)
    await a.expect_event("room", "join", has(b.sessionid))
    entry = await join_entry(b, a.sessionid)
    check_eq(entry.get("features"), ["chat-relay"], "features of alice's join entry")


@case()
async def chat_relay(env):
    room = env.room(users=("alice", "bob"))
    a = await env.joined("alice", room, features=["chat-relay"])
    b = await env.joined("bob", room)
    await a.expect_event("room", "join", has(b.sessionid))
    comments = [{"id": 1, "message": "hi", "actorDisplayName": "Carol"},
                {"id": 2, "message": "yo", "actorDisplayName": "Carol"}]
    await env.nc.message(env.srv, room, {"type": "chat", "chat": {"refresh": True, "comments": comments}})
    for want in comments:
        m = await a.expect_event("room", "message")
        check_eq(m["data"], {"type": "chat", "chat": {"comment": want}}, "relayed comment")
    m = await b.expect_event("room", "message")
    check_eq(m["data"], {"type": "chat", "chat": {"refresh": True}}, "refresh without chat-relay")


@case()
async def room_bandwidth(env):
    room = env.room(nc=env.nc2, users=("alice",))
    a = await env.user("alice", nc=env.nc2)
    r = a.ok(await a.join(room, "sid"), "room")
    check_eq(r.get("bandwidth"), {"maxstreambitrate": 1048576, "maxscreenbitrate": 2097152},
             "bandwidth of the backend")


@case()
async def transient_session_data(env):
    _, (a, b) = await pair(env)
    rid = await a.transient_set("sd:" + b.sessionid, {"name": "forged"})
    await a.expect_error(rid, "not_allowed")
    await a.transient_set("sd:" + a.sessionid, {"name": "Alice"})
    t = await b.expect_transient("set")
    check_eq(t["key"], "sd:" + a.sessionid, "own session data")
    await a.bye()
    t = await b.expect_transient("remove")
    check_eq(t["key"], "sd:" + a.sessionid, "session data removed on leave")


@case()
async def federation_unreachable(env):
    room = env.room(users=("alice",))
    a = await env.user("alice")
    msg = await a.join(room, "sid-fed", extra={"federation": {
        "signaling": "ws://127.0.0.1:9/", "url": "http://127.0.0.1:9/", "roomid": "remote",
        "token": env.nc.token("alice")}})
    check_eq(msg.get("type"), "error", "federated join to an unreachable server")
    check_eq(msg["error"]["code"], "federation_error", "error code")


@case()
async def resume_keeps_one_chat_refresh(env):
    room = env.room(users=("alice", "bob"))
    a = await env.joined("alice", room, node=0)
    b = await env.joined("bob", room)
    await a.expect_event("room", "join", has(b.sessionid))
    await a.abort()
    for _ in range(3):
        await env.nc.message(env.srv, room, {"type": "chat", "chat": {"refresh": True}})
    await b.to_session(a.sessionid, {"marker": 1})
    for _ in range(3):
        await b.expect_event("room", "message")
    c = await env.connect("resumed", node=0)
    c.ok(await c.resume(a.resumeid), "hello")
    await c.expect_message(lambda m: m["data"] == {"marker": 1})
    refreshes = [m for m in c.received if m.get("type") == "event" and m["event"]["type"] == "message"]
    check_eq(len(refreshes), 1, "chat refreshes queued while disconnected")


@case(cluster=False)
async def dialout_bridge_error(env):
    room = str(10 ** 8 + secrets.randbelow(10 ** 8))
    bridge = await env.internal(features=["start-dialout"], name="sip")
    task = asyncio.create_task(env.nc.dialout(env.srv, room, "+491701234567"))
    req = await bridge.expect(lambda m: m.get("type") == "internal" and m["internal"].get("type") == "dialout")
    await bridge.send({"id": req["id"], "type": "internal", "internal": {"type": "dialout", "dialout": {
        "type": "error", "error": {"code": "busy", "message": "line busy"}}}})
    st, _, body = await task
    check_eq(st, 502, "status")
    check_eq(json.loads(body)["dialout"]["error"]["code"], "busy", "bridge error passed on")


@case()
async def internal_default_incall(env):
    room = env.room(users=("alice",))
    a = await env.joined("alice", room)
    i = await env.internal()
    await env.join(i, room)
    u = await a.expect_event("participants", "update",
                             lambda u: any(e.get("sessionId") == i.sessionid for e in u.get("users", [])))
    ent = [e for e in u["users"] if e.get("sessionId") == i.sessionid][0]
    check_eq((ent.get("internal"), ent.get("inCall")), (True, 3), "internal entry")


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@case()
async def stats_endpoint(env):
    st, body = await asyncio.to_thread(_get, env.srv + "/api/v1/stats")
    check_eq(st, 200, "status from loopback")
    doc = json.loads(body)
    check("sessions" in doc and "rooms" in doc, "stats: %s" % doc)


@case()
async def turn_credentials(env):
    base = env.srv + "/turn/credentials?service=turn&username=someuser&key="
    st, body = await asyncio.to_thread(_get, base + "acceptance-turn-api-key")
    check_eq(st, 200, "status")
    doc = json.loads(body)
    expiry, user = doc["username"].split(":", 1)
    check_eq(user, "someuser", "user part")
    check(int(expiry) > time.time() + 3600, "expiry in the future")
    want = base64.b64encode(hmac.new(b"acceptance-turn-secret", doc["username"].encode(),
                                     hashlib.sha1).digest()).decode()
    check_eq(doc["password"], want, "password = base64 HMAC-SHA1 (spec 15.3)")
    check_eq(doc["ttl"], 86400, "ttl")
    check(any(u.startswith("turn:") for u in doc["uris"]), "uris")
    st, _ = await asyncio.to_thread(_get, base + "wrong")
    check_eq(st, 403, "wrong key")
    st, _ = await asyncio.to_thread(_get, env.srv + "/turn/credentials?service=stun&key=x")
    check_eq(st, 400, "wrong service")
