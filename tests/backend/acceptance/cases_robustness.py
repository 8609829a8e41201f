"""Malformed input and floods (spec 1, 2, 3.4, 13.1 step 4, 17): each case checks that the
server still serves a parallel, well-behaved client afterwards."""

import asyncio
import base64
import json
import os
import random
import secrets

from harness import case, check, check_eq
from signaling_client import ProtocolError


class RawWebSocket:
    """A hand-rolled client side of RFC 6455, to send what a library refuses to send
    (invalid UTF-8 in text frames, huge frames)."""

    def __init__(self, node, headers=None):
        self.node = node
        self.headers = headers or {}

    async def open(self):
        self.r, self.w = await asyncio.open_connection(self.node.host, self.node.port)
        key = base64.b64encode(os.urandom(16)).decode()
        extra = "".join("%s: %s\r\n" % kv for kv in self.headers.items())
        self.w.write(("GET /spreed HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
                      "%s\r\n" % (self.node.host, self.node.port, key, extra)).encode())
        status = await asyncio.wait_for(self.r.readuntil(b"\r\n\r\n"), 10)
        check(status.startswith(b"HTTP/1.1 101"), "upgrade refused: %r" % status[:80])
        return self

    async def send_frame(self, opcode, payload, fin=True):
        mask = os.urandom(4)
        head = bytes([(0x80 if fin else 0) | opcode])
        n = len(payload)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + n.to_bytes(2, "big")
        else:
            head += bytes([0x80 | 127]) + n.to_bytes(8, "big")
        masked = _mask(payload, mask)
        if self.w.is_closing():
            return
        self.w.write(head + mask + masked)
        try:
            await self.w.drain()
        except ConnectionError:
            pass

    async def recv(self, timeout=5):
        """Next frame as (opcode, payload); (None, b'') when the connection ends."""
        try:
            h = await asyncio.wait_for(self.r.readexactly(2), timeout)
        except (asyncio.IncompleteReadError, ConnectionError):
            return None, b""
        except asyncio.TimeoutError:
            return "timeout", b""
        n = h[1] & 0x7F
        if n == 126:
            n = int.from_bytes(await self.r.readexactly(2), "big")
        elif n == 127:
            n = int.from_bytes(await self.r.readexactly(8), "big")
        return h[0] & 0x0F, await self.r.readexactly(n)

    async def recv_json(self, timeout=5):
        """Next text message (skipping pings); None when closed. Close frames -> ('close', code)."""
        while True:
            op, data = await self.recv(timeout)
            if op is None:
                return None
            if op == "timeout":
                return {"type": "_silence"}
            if op == 1:
                return json.loads(data)
            if op == 8:
                return {"type": "_close", "code": int.from_bytes(data[:2], "big") if data else None}

    def close(self):
        self.w.close()


def _mask(payload, mask):
    """RFC 6455 client masking, as one big-integer XOR (fast enough for 10 MB)."""
    full = (mask * (len(payload) // 4 + 1))[:len(payload)]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(full, "big")).to_bytes(len(payload), "big")


async def raw(env, node=0, headers=None):
    ws = await RawWebSocket(env.nodes[node], headers).open()
    w = await ws.recv_json()
    check(w and w.get("type") == "welcome", "no welcome: %r" % w)
    return ws


async def error_or_close(ws, what):
    """The server answered a bad frame with an error message or by closing."""
    while True:
        msg = await ws.recv_json(timeout=5)
        if msg is None or msg.get("type") == "_close":
            return msg
        if msg.get("type") != "event":     # join events etc. of earlier requests
            break
    check_eq(msg.get("type"), "error", what + ": reply type")
    return msg


async def hello_on(ws, env):
    await ws.send_frame(1, json.dumps({"id": "h", "type": "hello", "hello": {
        "version": "1.0", "auth": {"url": env.nc.backend_url, "params": {
            "userid": "alice", "ticket": env.nc.ticket("alice")}}}}).encode())
    msg = await ws.recv_json()
    check(msg and msg.get("type") == "hello", "hello after bad input failed: %r" % msg)


@case()
async def bad_json(env):
    env.nc.add_user("alice")
    c = await env.connect()
    await c.send_raw("{this is not json")
    err = await c.expect("error")
    check_eq(err["error"]["code"], "invalid_format", "error code")
    c.ok(await c.hello_v1(env.nc.backend_url, "alice", env.nc.ticket("alice")), "hello")
    await env.server_alive()


@case()
async def wrong_types(env):
    env.nc.add_user("alice")
    c = await env.connect()
    for bad in ['{"type":"hello","hello":"string"}', '{"type":123}', '[]', '"hello"', 'null',
                '{"type":"hello","hello":{"version":1.0}}',
                '{"type":"hello","hello":{"version":"1.0","auth":{"url":7,"params":[]}}}',
                '{"type":"hello","hello":{"version":"2.0","auth":{"params":{"token":{}}}}}',
                '{"id":{},"type":"bye"}', '{"type":"room","room":{"roomid":5}}']:
        await c.send_raw(bad)
    check(not c.closed.is_set(), "connection closed on wrong types")
    c.ok(await c.hello_v1(env.nc.backend_url, "alice", env.nc.ticket("alice")), "hello")
    # after hello, wrong types in every request type
    for bad in ['{"type":"message","message":{"recipient":"x","data":1}}',
                '{"type":"message","message":{"recipient":{"type":"session","sessionid":5},"data":{}}}',
                '{"type":"control","control":[]}', '{"type":"transient","transient":{"type":7}}',
                '{"type":"internal","internal":{"type":"addsession","addsession":"x"}}',
                '{"type":"room","room":{"roomid":[],"sessionid":{}}}']:
        await c.send_raw(bad)
    await c.bye()
    await env.server_alive()


@case()
async def invalid_utf8_frame(env):
    ws = await raw(env)
    await ws.send_frame(1, b'{"type":"hello","hello":{"version":"1.0\xff\xfe"}}')
    await error_or_close(ws, "invalid UTF-8 text frame")
    ws.close()
    await env.server_alive()


@case()
async def invalid_utf8_in_fields(env):
    env.nc.add_user("alice")
    hello_ok = {"version": "1.0", "auth": {"url": env.nc.backend_url, "params": {
        "userid": "alice", "ticket": env.nc.ticket("alice")}}}
    templates = [
        b'{"id":"1","type":"hello","hello":{"version":"1.0","auth":{"url":"http://\xc3\x28/","params":{}}}}',
        b'{"id":"1","type":"hello","hello":{"version":"1.0","auth":{"url":"%s","params":{"userid":"\xed\xa0\x80"}}}}'
        % env.nc.backend_url.encode(),
        b'{"id":"1","type":"hello","hello":{"version":"1.0","resumeid":"\xf8\x88\x80\x80\x80"}}',
        b'{"id":"\xff","type":"hello","hello":{}}',
    ]
    for t in templates:
        ws = await raw(env)
        await ws.send_frame(1, t)
        await error_or_close(ws, "invalid UTF-8 in %r" % t[:70])
        ws.close()
    # after hello: invalid UTF-8 in a room id, a recipient and message data
    for t in [b'{"id":"2","type":"room","room":{"roomid":"\xff\xff","sessionid":"x"}}',
              b'{"id":"3","type":"message","message":{"recipient":{"type":"session","sessionid":"\x80"},"data":{"a":"b"}}}',
              b'{"id":"4","type":"message","message":{"recipient":{"type":"room"},"data":{"\xfe":"\xc3"}}}',
              b'{"id":"5","type":"transient","transient":{"type":"set","key":"\xc3","value":1}}']:
        ws = await raw(env)
        await ws.send_frame(1, json.dumps({"id": "h", "type": "hello", "hello": hello_ok}).encode())
        msg = await ws.recv_json()
        check(msg and msg.get("type") == "hello", "hello: %r" % msg)
        await ws.send_frame(1, t)
        await error_or_close(ws, "invalid UTF-8 in %r" % t[:70])
        ws.close()
    # JSON escapes that decode to lone surrogates are valid JSON text but not Unicode
    c = await env.connect()
    await c.send_raw('{"id":"s","type":"hello","hello":{"version":"1.0","auth":{"url":"%s",'
                     '"params":{"userid":"\\udc80","ticket":"\\ud800"}}}}' % env.nc.backend_url)
    m = await c.expect_response("s")
    check_eq(m.get("type"), "error", "lone surrogates")
    await env.server_alive()


@case(last=True)
async def invalid_utf8_message_type(env):
    # run last: it kills the anchor 1.2.4 (see anchor.py)
    good = await env.user("alice")
    ws = await raw(env)
    await ws.send_frame(1, b'{"type":"\xc0\xaf"}')
    await error_or_close(ws, "invalid UTF-8 in the message type")
    ws.close()
    await good.to_session(good.sessionid, {"x": 1})
    await env.server_alive()


@case()
async def huge_frame(env):
    good = await env.user("alice")
    ws = await raw(env)
    big = b'{"type":"hello","hello":{"version":"1.0","pad":"' + b"x" * (10 * 1024 * 1024) + b'"}}'
    await ws.send_frame(1, big)
    msg = await ws.recv_json(timeout=10)
    check(msg is None or msg.get("type") in ("_close", "error"), "10 MB frame accepted: %r" % msg)
    ws.close()
    # the parallel client is still served
    await good.to_session(good.sessionid, {"x": 1})
    await env.server_alive()


@case()
async def fragmented_huge_message(env):
    ws = await raw(env)
    chunk = b"x" * (1024 * 1024)
    await ws.send_frame(1, b'{"type":"hello","pad":"' + chunk, fin=False)
    for _ in range(9):
        await ws.send_frame(0, chunk, fin=False)
    await ws.send_frame(0, b'"}', fin=True)
    msg = await ws.recv_json(timeout=10)
    check(msg is None or msg.get("type") in ("_close", "error"), "10 MB message accepted: %r" % msg)
    ws.close()
    await env.server_alive()


@case()
async def binary_frame(env):
    c = await env.connect()
    await c.send_raw(b'{"type":"hello"}')
    try:
        err = await c.expect("error")
        check_eq(err["error"]["code"], "invalid_format", "error code")
    except ProtocolError:
        check(False, "binary frame not answered with invalid_format")
    await env.server_alive()


@case()
async def slowloris(env):
    socks = []
    n = env.nodes[0]
    try:
        for _ in range(30):
            r, w = await asyncio.open_connection(n.host, n.port)
            w.write(b"GET /spreed HTTP/1.1\r\nHost: x\r\n")
            socks.append(w)
        for step in range(3):
            for w in socks:
                w.write(b"X-Slow-%d: y\r\n" % step)
            await asyncio.sleep(0.3)
        await env.server_alive()
        # a hello-less WebSocket flood does not block others either
        raws = [await raw(env) for _ in range(20)]
        await env.server_alive()
        for ws in raws:
            ws.close()
    finally:
        for w in socks:
            w.close()


@case()
async def garbage_http(env):
    r, w = await asyncio.open_connection(env.nodes[0].host, env.nodes[0].port)
    w.write(b"\x16\x03\x01\x02\x00garbage\r\n\r\n")
    try:
        await asyncio.wait_for(r.read(1024), 5)
    except (asyncio.TimeoutError, ConnectionError):
        pass
    w.close()
    await env.server_alive()


@case()
async def unknown_type_ignored(env):
    c = await env.user("alice")
    await c.send({"id": "u1", "type": "frobnicate", "frobnicate": {}})
    await c.to_session(c.sessionid, {"x": 1})
    rid = await c.transient_set("k", 1)
    await c.expect_error(rid, "not_in_room")
    check(not [m for m in c.received if m.get("id") == "u1"], "unknown type answered")


# ---- brute-force throttling [>=1.3.0]; a fake client address per case (X-Real-IP from
# loopback, a trusted proxy) keeps the penalty away from the other cases.

def fake_ip():
    return "10.%d.%d.%d" % (random.randrange(256), random.randrange(256), random.randrange(1, 255))


@case(slow=True)
async def throttle_internal_hello(env):
    ip = fake_ip()
    codes = []
    for attempt in range(14):
        c = await env.connect("bf%d" % attempt, node=0, extra_headers={"X-Real-IP": ip})
        rid = await c.request("hello", {"version": "1.0", "auth": {"type": "internal", "params": {
            "random": secrets.token_hex(32), "token": "ab" * 32, "backend": env.nc.base_url}}})
        msg = await c.expect_response(rid, timeout=40)
        codes.append(msg.get("error", {}).get("code"))
        await c.close()
        if codes[-1] == "too_many_requests":
            break
    check_eq(codes[-1], "too_many_requests", "after %d failures (%s)" % (len(codes), codes))
    await env.server_alive()


@case(slow=True)
async def throttle_resume(env):
    ip = fake_ip()
    codes = []
    for attempt in range(14):
        c = await env.connect("rs%d" % attempt, node=0, extra_headers={"X-Real-IP": ip})
        rid = await c.request("hello", {"version": "1.0", "resumeid": "bogus-" + secrets.token_hex(8)})
        msg = await c.expect_response(rid, timeout=40)
        codes.append(msg.get("error", {}).get("code"))
        await c.close()
        if codes[-1] == "too_many_requests":
            break
    check_eq(codes[-1], "too_many_requests", "after %d failures (%s)" % (len(codes), codes))


@case(slow=True)
async def throttle_backend_api(env):
    ip = fake_ip()
    room = env.room()
    statuses = []
    for _ in range(14):
        st, _, _ = await env.nc.post_room(env.srv, room, {"type": "update", "update": {}},
                                          secret="wrong", extra_headers={"X-Real-IP": ip})
        statuses.append(st)
        if st == 429:
            break
    check_eq(statuses[-1], 429, "after %d failures (%s)" % (len(statuses), statuses))
    st, _, _ = await env.nc.update(env.srv, room, properties={"name": "x"})
    check_eq(st, 200, "other addresses are not throttled")
