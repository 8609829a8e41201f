#!/usr/bin/python3
# Janus API client for tests/integration/sfu-*.sh: each scenario drives a running
# talk-sfu (or Janus) over WebSocket and exits 0 when every expectation held, else 1 with
# the reason on stderr.   janus-probe.py URL SCENARIO
import asyncio
import json
import sys

import websockets

URL = sys.argv[1]
SCENARIO = sys.argv[2]
TIMEOUT = 10


class Failure(Exception):
    pass


def expect(condition, what, message=None):
    if not condition:
        raise Failure(what + ("" if message is None else ": " + json.dumps(message)))


class Client:
    def __init__(self, ws):
        self.ws = ws
        self.counter = 0
        self.unsolicited = []

    @classmethod
    async def open(cls, url=URL):
        ws = await websockets.connect(url, subprotocols=["janus-protocol"], max_size=None, open_timeout=TIMEOUT)
        return cls(ws)

    async def recv(self):
        return json.loads(await asyncio.wait_for(self.ws.recv(), TIMEOUT))

    async def request(self, body, replies=1):
        """Sends body with a fresh transaction; returns the `replies` messages carrying it."""
        self.counter += 1
        tx = "t%d" % self.counter
        body = dict(body, transaction=tx)
        await self.ws.send(json.dumps(body))
        out = []
        while len(out) < replies:
            m = await self.recv()
            if m.get("transaction") == tx:
                out.append(m)
            else:
                self.unsolicited.append(m)
        return out if replies > 1 else out[0]

    async def session(self):
        r = await self.request({"janus": "create"})
        expect(r["janus"] == "success" and isinstance(r["data"]["id"], int), "create", r)
        return r["data"]["id"]

    async def attach(self, s):
        r = await self.request({"janus": "attach", "session_id": s, "plugin": "janus.plugin.videoroom"})
        expect(r["janus"] == "success" and r["session_id"] == s, "attach", r)
        return r["data"]["id"]

    async def sync(self, s, h, body):
        r = await self.request({"janus": "message", "session_id": s, "handle_id": h, "body": body})
        expect(r["janus"] == "success" and r["sender"] == h, "sync reply is one success", r)
        expect(r["plugindata"]["plugin"] == "janus.plugin.videoroom", "plugin name", r)
        return r["plugindata"]["data"]

    async def asynchronous(self, s, h, body, jsep=None):
        msg = {"janus": "message", "session_id": s, "handle_id": h, "body": body}
        if jsep is not None:
            msg["jsep"] = jsep
        ack, event = await self.request(msg, replies=2)
        expect(ack["janus"] == "ack", "ack first", ack)
        expect(event["janus"] == "event" and event["sender"] == h, "then the event", event)
        return event


OFFER = {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"}


async def info():
    c = await Client.open()
    expect(c.ws.subprotocol == "janus-protocol", "subprotocol echoed")
    r = await c.request({"janus": "info"})
    expect(r["janus"] == "server_info", "server_info", r)
    expect(r["data_channels"] is True, "data_channels", r)
    expect("janus.plugin.videoroom" in r["plugins"], "videoroom plugin", r)
    expect(isinstance(r["version"], int) and 1000 <= r["version"] < 1100, "version 1.x below 1100", r)
    expect("session_id" not in r, "no session id on info", r)


async def no_subprotocol():
    # Refused either with an HTTP error status or by closing the connection.
    try:
        ws = await websockets.connect(URL, open_timeout=TIMEOUT)
    except (websockets.exceptions.InvalidStatusCode, websockets.exceptions.InvalidMessage):
        return
    await ws.close()
    raise Failure("a client without janus-protocol was accepted")


async def control_plane():
    c = await Client.open()
    s = await c.session()
    r = await c.request({"janus": "keepalive", "session_id": s})
    expect(r["janus"] == "ack" and r["session_id"] == s, "keepalive ack", r)
    pub = await c.attach(s)
    created = await c.sync(s, pub, {"request": "create", "description": "x|video", "publishers": 1, "bitrate": 1048576, "videoorient_ext": False})
    expect(created["videoroom"] == "created" and created["permanent"] is False, "room created", created)
    room = created["room"]
    expect((await c.sync(s, pub, {"request": "exists", "room": room}))["exists"] is True, "room exists")
    e = await c.asynchronous(s, pub, {"request": "join", "ptype": "publisher", "room": room, "id": 1})
    expect(e["plugindata"]["data"]["videoroom"] == "joined" and e["plugindata"]["data"]["id"] == 1, "publisher joined", e)
    sub = await c.attach(s)
    e = await c.asynchronous(s, sub, {"request": "join", "ptype": "subscriber", "room": room, "streams": [{"feed": 1}]})
    expect(e["plugindata"]["data"].get("error_code") == 428, "428 before the publisher's webrtcup", e)
    e = await c.asynchronous(s, sub, {"request": "join", "ptype": "subscriber", "room": room, "feed": 1})
    expect(e["plugindata"]["data"].get("error_code") == 428, "428 in the legacy form too", e)
    r = await c.request({"janus": "trickle", "session_id": s, "handle_id": pub,
                         "candidate": {"candidate": "candidate:1 1 udp 2015363327 10.0.0.5 20000 typ host", "sdpMid": "0", "sdpMLineIndex": 0}})
    expect(r["janus"] == "ack", "trickle before the SDP is acked", r)
    e = await c.asynchronous(s, pub, {"request": "configure", "audio": True, "video": True, "data": True}, OFFER)
    # This build has no media plane: the offer is refused with a plugin error, never a fake answer.
    expect("jsep" not in e and e["plugindata"]["data"].get("error_code") == 499, "offer refused without a media plane", e)
    e = await c.asynchronous(s, sub, {"request": "configure", "substream": 1})
    expect(e["plugindata"]["data"].get("error_code") == 424, "configure before join: 424", e)
    d = await c.sync(s, pub, {"request": "destroy", "room": room})
    expect(d["videoroom"] == "destroyed", "room destroyed", d)
    d = await c.sync(s, pub, {"request": "destroy", "room": room})
    expect(d.get("error_code") == 426, "second destroy: 426", d)
    for h in (pub, sub):
        r = await c.request({"janus": "detach", "session_id": s, "handle_id": h})
        expect(r["janus"] == "success", "detach", r)
    r = await c.request({"janus": "detach", "session_id": s, "handle_id": pub})
    expect(r["janus"] == "error" and r["error"]["code"] == 459, "detach twice: 459", r)
    r = await c.request({"janus": "destroy", "session_id": s})
    expect(r["janus"] == "success", "destroy session", r)
    r = await c.request({"janus": "keepalive", "session_id": s})
    expect(r["janus"] == "error" and r["error"]["code"] == 458, "keepalive after destroy: 458", r)
    expect(not any("transaction" in m and m["janus"] != "event" for m in c.unsolicited), "no stray replies", c.unsolicited)


async def errors():
    c = await Client.open()
    s = await c.session()
    h = await c.attach(s)
    cases = [
        ({"janus": "bogus"}, 453),
        ({"janus": "attach", "session_id": s, "plugin": "janus.plugin.echotest"}, 460),
        ({"janus": "message", "session_id": s, "body": {}}, 457),
        ({"janus": "message", "session_id": s, "handle_id": 12345, "body": {}}, 459),
        ({"janus": "message", "session_id": s, "handle_id": h}, 456),
        ({"janus": "message", "session_id": s, "handle_id": h, "body": {"request": "configure"}, "jsep": {"type": "offer", "sdp": "nope"}}, 465),
        ({"janus": "message", "session_id": s, "handle_id": h, "body": {"request": "configure"}, "jsep": {"type": "rollback", "sdp": "v=0"}}, 464),
        ({"janus": "message", "session_id": s, "handle_id": h, "body": {"request": "start"}, "jsep": {"type": "answer", "sdp": "v=0\r\nm=audio 9 x 0\r\n"}}, 469),
        ({"janus": "keepalive", "session_id": "1"}, 467),
        ({"janus": "trickle", "session_id": s, "handle_id": h}, 456),
    ]
    for body, code in cases:
        r = await c.request(body)
        expect(r["janus"] == "error" and r["error"]["code"] == code, "error %d for %s" % (code, json.dumps(body)), r)
    d = await c.sync(s, h, {"request": "frobnicate"})
    expect(d.get("error_code") == 423, "unknown plugin request: 423", d)
    d = await c.sync(s, h, {})
    expect(d.get("error_code") == 429, "missing plugin request: 429", d)


async def malformed():
    bystander = await Client.open()
    s = await bystander.session()
    c = await Client.open()
    for frame, code in (("{", 454), ("[1]", 455), ("null", 455), ('{"janus":"info"}', 456), ("[" * 100000, 454)):
        await c.ws.send(frame)
        r = await c.recv()
        expect(r["janus"] == "error" and r["error"]["code"] == code, "garbage %r: %d" % (frame[:20], code), r)
    await c.ws.send(b'{"janus":"info","transaction":"\xff"}')
    r = await c.recv()
    expect(r["janus"] == "error" and r["error"]["code"] == 454, "invalid UTF-8 in a binary frame: 454", r)
    await c.ws.send('{"janus":"info","transaction":"a"}{"janus":"ping","transaction":"b"}')
    a, b = await c.recv(), await c.recv()
    expect(a["janus"] == "server_info" and b["janus"] == "pong", "two objects in one frame", [a, b])
    # An oversized message closes that connection (1009) ...
    big = await Client.open()
    await big.ws.send('{"janus":"info","transaction":"' + "x" * (2 << 20) + '"}')
    try:
        await asyncio.wait_for(big.ws.recv(), TIMEOUT)
        raise Failure("oversized message was answered")
    except websockets.exceptions.ConnectionClosed as closed:
        expect(closed.code == 1009, "oversized message: close 1009 (got %s)" % closed.code)
    # ... and everyone else is still served.
    r = await bystander.request({"janus": "keepalive", "session_id": s})
    expect(r["janus"] == "ack", "other sessions keep being served", r)
    r = await c.request({"janus": "info"})
    expect(r["janus"] == "server_info", "the garbage sender is still served", r)


async def connection_close():
    a = await Client.open()
    b = await Client.open()
    s = await a.session()
    h = await a.attach(s)
    room = (await a.sync(s, h, {"request": "create", "publishers": 1}))["room"]
    sb = await b.session()
    hb = await b.attach(sb)
    expect((await b.sync(sb, hb, {"request": "exists", "room": room}))["exists"] is True, "room visible")
    await a.ws.close()
    for _ in range(100):
        r = await b.request({"janus": "keepalive", "session_id": s})
        if r["janus"] == "error":
            break
        await asyncio.sleep(0.05)
    expect(r["janus"] == "error" and r["error"]["code"] == 458, "the closed connection's session is gone", r)
    expect((await b.sync(sb, hb, {"request": "exists", "room": room}))["exists"] is False, "and its room")


async def session_timeout():
    c = await Client.open()
    s = await c.session()
    # Bounded wait for the unsolicited timeout (talk-sfu started with session_timeout = 1).
    m = await asyncio.wait_for(c.ws.recv(), 20)
    m = json.loads(m)
    expect(m == {"janus": "timeout", "session_id": s}, "timeout event without transaction", m)
    r = await c.request({"janus": "keepalive", "session_id": s})
    expect(r["janus"] == "error" and r["error"]["code"] == 458, "expired session: 458", r)


async def concurrency():
    clients = [await Client.open() for _ in range(20)]
    sessions = await asyncio.gather(*(c.session() for c in clients))
    replies = await asyncio.gather(*(c.request({"janus": "keepalive", "session_id": s}) for c, s in zip(clients, sessions)))
    expect(all(r["janus"] == "ack" for r in replies), "20 concurrent clients served", replies)


SCENARIOS = {f.__name__: f for f in (info, no_subprotocol, control_plane, errors, malformed, connection_close, session_timeout, concurrency)}

try:
    asyncio.run(SCENARIOS[SCENARIO]())
except Failure as f:
    print("FAILED: %s" % f, file=sys.stderr)
    sys.exit(1)
except Exception as e:  # connection refused, timeouts, protocol errors
    print("FAILED: %s: %s" % (type(e).__name__, e), file=sys.stderr)
    sys.exit(1)
