"""Welcome, hello v1/v2/internal and its failures, resume, bye (spec 3, 4, 14, 15)."""

import asyncio
import json
import secrets
import time
import urllib.request

from harness import case, check, check_eq, join_entry

TALK_REQUIRED = ["audio-video-permissions", "federation", "incall-all", "hello-v2", "switchto"]


@case()
async def welcome_message(env):
    c = await env.connect()
    w = c.welcome
    check(isinstance(w.get("version"), str) and w["version"], "welcome without version")
    for f in ["hello-v2", "switchto", "incall-all", "transient-data", "welcome", "dialout",
              "virtual-sessions", "audio-video-permissions"]:
        check(f in w["features"], "welcome features lack %s: %s" % (f, w["features"]))


@case()
async def http_welcome_endpoint(env):
    def get():
        with urllib.request.urlopen(env.srv + "/api/v1/welcome", timeout=10) as r:
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    status, headers, body = await asyncio.to_thread(get)
    check_eq(status, 200, "status")
    check(headers.get("content-type", "").startswith("application/json"), "content type")
    check(headers.get("server", "").startswith("nextcloud-spreed-signaling/"), "Server header")
    check("date" in headers, "Date header")
    feats = [f.strip() for f in headers.get("x-spreed-signaling-features", "").split(",")]
    for f in TALK_REQUIRED:
        check(f in feats, "features header lacks %s (Talk requires it): %s" % (f, feats))
    doc = json.loads(body)
    check_eq(doc.get("nextcloud-spreed-signaling"), "Welcome", "welcome body")


@case()
async def upgrade_response_headers(env):
    c = await env.connect()
    feats = [f.strip() for f in c.response_headers.get("x-spreed-signaling-features", "").split(",")]
    check("hello-v2" in feats, "upgrade response lacks X-Spreed-Signaling-Features: %r"
          % c.response_headers)


@case()
async def hello_v1_user(env):
    since = len(env.nc.requests)
    c = await env.user("alice")
    h = c.hello
    check_eq(h["userid"], "alice", "userid")
    check(h["sessionid"] and h["resumeid"] and h["sessionid"] != h["resumeid"], "session ids")
    check_eq(h["version"], "1.0", "version")
    check("features" in h.get("server", {}), "hello.server.features")
    auth = await env.nc.wait_request(lambda r: r.type == "auth", since=since)
    check(auth.checksum_ok, "auth request checksum invalid")
    check_eq(auth.payload()["params"]["userid"], "alice", "auth params forwarded")
    check(auth.headers.get("ocs-apirequest") == "true", "OCS-APIRequest header")
    check(len(auth.headers.get("spreed-signaling-random", "")) >= 32, "random length")


@case()
async def hello_v1_guest(env):
    c = await env.guest()
    check_eq(c.hello["userid"], "", "guest userid")


@case()
async def hello_v1_invalid_ticket(env):
    env.nc.add_user("alice")
    c = await env.connect()
    msg = await c.hello_v1(env.nc.backend_url, "alice", "1:2:3")
    check_eq(msg.get("type"), "error", "reply type")
    check_eq(msg["error"]["code"], "invalid_ticket", "error code")


@case()
async def hello_v1_unknown_user(env):
    c = await env.connect()
    msg = await c.hello_v1(env.nc.backend_url, "nobody-" + secrets.token_hex(3), "x:y:z")
    check_eq(msg["error"]["code"], "no_such_user", "error code")


@case()
async def hello_unique_session_ids(env):
    a = await env.user("alice")
    b = await env.user("alice")
    check(a.sessionid != b.sessionid and a.resumeid != b.resumeid, "ids reused")


@case()
async def hello_invalid_version(env):
    c = await env.connect()
    msg = await c.hello_v1(env.nc.backend_url, "alice", env.nc.ticket("alice"), version="3.0")
    check_eq(msg["error"]["code"], "invalid_hello_version", "error code")


@case()
async def hello_invalid_backend(env):
    c = await env.connect()
    msg = await c.hello_v1(env.nc_unknown.backend_url, "alice", env.nc_unknown.ticket("alice"))
    check_eq(msg["error"]["code"], "invalid_backend", "error code")


@case()
async def hello_missing_auth_params(env):
    c = await env.connect()
    rid = await c.request("hello", {"version": "1.0", "auth": {"url": env.nc.backend_url}})
    await c.expect_error(rid, "invalid_format")


@case()
async def hello_expected_first(env):
    c = await env.connect()
    rid = await c.request("room", {"roomid": "x"})
    await c.expect_error(rid, "hello_expected")


@case(slow=True)
async def hello_timeout(env):
    c = await env.connect()
    bye = await c.expect("bye", timeout=6)
    check_eq(bye["bye"].get("reason"), "hello_timeout", "bye reason")
    await c.wait_closed()


# ---- hello v2 (JWT)

async def v2(env, nc, token, name="v2"):
    c = await env.connect(name)
    return c, await c.hello_v2(nc.backend_url, token)


@case()
async def hello_v2_es256(env):
    env.nc.add_user("alice")
    since = len(env.nc.requests)
    c, msg = await v2(env, env.nc, env.nc.token("alice"))
    c.ok(msg, "hello")
    check_eq(c.hello["userid"], "alice", "userid from sub")
    check(not any(r.type == "auth" for r in env.nc.requests[since:]),
          "hello v2 must not send an auth request")


@case()
async def hello_v2_rs256(env):
    env.nc2.add_user("bob")
    c, msg = await v2(env, env.nc2, env.nc2.token("bob"))
    c.ok(msg, "hello")
    check_eq(c.hello["userid"], "bob", "userid")


@case()
async def hello_v2_eddsa(env):
    env.nc_ed.add_user("carol")
    c, msg = await v2(env, env.nc_ed, env.nc_ed.token("carol"))
    c.ok(msg, "hello")
    check_eq(c.hello["userid"], "carol", "userid")


@case()
async def hello_v2_guest(env):
    c, msg = await v2(env, env.nc, env.nc.token(""))
    c.ok(msg, "hello")
    check_eq(c.hello["userid"], "", "guest userid")


@case()
async def hello_v2_userdata_in_join(env):
    room = env.room(users=("alice", "bob"))
    env.nc.add_user("alice", "Alice Liddell")
    c, msg = await v2(env, env.nc, env.nc.token("alice"))
    c.ok(msg, "hello")
    await env.join(c, room)
    b = await env.joined("bob", room)
    entry = await join_entry(b, c.sessionid)
    check_eq(entry.get("user", {}).get("displayname"), "Alice Liddell", "user from JWT")


async def v2_error(env, token, code):
    c, msg = await v2(env, env.nc, token)
    check_eq(msg.get("type"), "error", "hello must fail")
    check_eq(msg["error"]["code"], code, "error code")


@case()
async def hello_v2_expired(env):
    now = int(time.time())
    await v2_error(env, env.nc.token("alice", iat=now - 600, exp=now - 300), "token_expired")


@case()
async def hello_v2_not_yet_valid(env):
    now = int(time.time())
    await v2_error(env, env.nc.token("alice", iat=now + 600, exp=now + 900), "token_not_valid_yet")


@case()
async def hello_v2_missing_iat(env):
    await v2_error(env, env.nc.token("alice", omit=("iat",)), "token_not_valid_yet")


@case()
async def hello_v2_missing_exp(env):
    await v2_error(env, env.nc.token("alice", omit=("exp",)), "token_expired")


@case()
async def hello_v2_wrong_key(env):
    from nextcloud_emulator import TokenKey
    await v2_error(env, env.nc.token("alice", key=TokenKey("ES256")), "invalid_token")


@case()
async def hello_v2_alg_none(env):
    await v2_error(env, env.nc.token("alice", alg="none"), "invalid_token")


@case()
async def hello_v2_alg_hs256(env):
    # HS256 signed with the public key as HMAC secret: the classic key-confusion forgery.
    import hashlib
    import hmac as _hmac
    from nextcloud_emulator import b64url
    now = int(time.time())
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps({"iat": now, "exp": now + 60, "sub": "alice"}).encode())
    sig = _hmac.new(env.nc.key.public_pem().encode(), (head + "." + body).encode(),
                    hashlib.sha256).digest()
    await v2_error(env, head + "." + body + "." + b64url(sig), "invalid_token")


@case()
async def hello_v2_garbage_token(env):
    await v2_error(env, "not-a-jwt", "invalid_token")


@case()
async def hello_v2_tampered_claims(env):
    from nextcloud_emulator import b64url
    tok = env.nc.token("alice").split(".")
    now = int(time.time())
    tok[1] = b64url(json.dumps({"iat": now, "exp": now + 60, "sub": "admin"}).encode())
    await v2_error(env, ".".join(tok), "invalid_token")


# ---- internal clients (spec 3.2 type internal, 15.2)

@case()
async def internal_hello(env):
    since = len(env.nc.requests)
    c = await env.internal()
    check_eq(c.hello["userid"], "", "internal userid")
    check("virtual-sessions" in c.hello.get("server", {}).get("features", []),
          "internal hello lacks virtual-sessions feature")
    check(not any(r.type == "auth" for r in env.nc.requests[since:]), "internal hello made an auth request")


@case()
async def internal_hello_wrong_token(env):
    c = await env.connect()
    msg = await c.hello_internal(env.internal_secret, env.nc.base_url, token="00" * 32)
    check_eq(msg["error"]["code"], "invalid_token", "error code")


@case()
async def internal_hello_short_random(env):
    c = await env.connect()
    msg = await c.hello_internal(env.internal_secret, env.nc.base_url, random="short")
    check_eq(msg["error"]["code"], "invalid_token", "error code")


@case()
async def internal_hello_unknown_backend(env):
    c = await env.connect()
    msg = await c.hello_internal(env.internal_secret, env.nc_unknown.base_url)
    check_eq(msg["error"]["code"], "invalid_backend", "error code")


# ---- resume (spec 3.4)

@case()
async def resume_after_drop(env):
    a = await env.user("alice")
    await a.abort()
    c = await env.connect("again", node=0)
    msg = await c.resume(a.resumeid)
    c.ok(msg, "hello")
    check_eq(c.hello["sessionid"], a.sessionid, "resumed public id")
    check_eq(c.hello["resumeid"], a.resumeid, "resumed private id")
    check_eq(c.hello["userid"], "alice", "resumed userid")


@case()
async def resume_delivers_queued(env):
    room = env.room(users=("alice", "bob"))
    a = await env.joined("alice", room, node=0)
    b = await env.joined("bob", room)
    await a.expect_event("room", "join", lambda j: any(e["sessionid"] == b.sessionid for e in j))
    await a.abort()
    for i in range(3):
        await b.to_session(a.sessionid, {"n": i})
    await b.to_room({"n": "room"})
    # a request with a reply after the messages: the server has processed them
    await env.nc.message(env.srv, room, {"type": "chat", "chat": {"refresh": True}})
    c = await env.connect("resumed", node=0)
    c.ok(await c.resume(a.resumeid), "hello")
    got = [(await c.expect_message(lambda m: isinstance(m.get("data"), dict) and "n" in m["data"]))["data"]["n"]
           for _ in range(4)]
    check_eq(got, [0, 1, 2, "room"], "queued messages in order")


@case(cluster=False)
async def resume_takeover(env):
    a = await env.user("alice")
    c = await env.connect("takeover")
    c.ok(await c.resume(a.resumeid), "hello")
    bye = await a.expect("bye")
    check_eq(bye["bye"].get("reason"), "session_resumed", "old connection bye reason")
    await a.wait_closed()


@case()
async def resume_unknown_id(env):
    c = await env.connect()
    msg = await c.resume("invalid-" + secrets.token_hex(20))
    check_eq(msg["error"]["code"], "no_such_session", "error code")


@case()
async def resume_with_public_id(env):
    a = await env.user("alice")
    await a.abort()
    c = await env.connect()
    msg = await c.resume(a.sessionid)
    check_eq(msg["error"]["code"], "no_such_session", "public id accepted as resume id")


@case()
async def resume_after_bye(env):
    a = await env.user("alice")
    await a.bye()
    c = await env.connect()
    msg = await c.resume(a.resumeid)
    check_eq(msg["error"]["code"], "no_such_session", "resume after bye")


@case(slow=True)
async def resume_expired(env):
    a = await env.user("alice")
    await a.abort()
    await asyncio.sleep(36)  # the 30 s resume window (spec 17) plus the server's sweep
    c = await env.connect()
    msg = await c.resume(a.resumeid)
    check_eq(msg.get("type"), "error", "resume after expiry")
    check_eq(msg["error"]["code"], "no_such_session", "error code")


@case()
async def bye_reply(env):
    a = await env.user("alice")
    rid = await a.request("bye", {})
    msg = await a.expect_response(rid)
    check_eq(msg["type"], "bye", "reply type")
    await a.wait_closed()
