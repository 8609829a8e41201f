"""asyncio client of the Nextcloud Talk signaling protocol (spec sections 2-9).

Every server message is kept in `received` (in order); `expect` waits, with a timeout, for
the next not yet consumed message that matches, so tests can state what must arrive without
depending on the order of unrelated events.
"""

import asyncio
import json
import secrets

import websockets

from nextcloud_emulator import internal_token

DEFAULT_TIMEOUT = 5.0


class ProtocolError(AssertionError):
    """The server answered something else than the test expected."""


class SignalingClient:
    def __init__(self, url, name="client", extra_headers=None):
        self.url = url
        self.name = name
        self.extra_headers = extra_headers or {}
        self.ws = None
        self.received = []          # every decoded server message
        self.consumed = set()       # indexes already returned by expect()
        self.closed = asyncio.Event()
        self.close_code = None
        self.welcome = None
        self.hello = None           # the hello response payload
        self.response_headers = {}
        self._changed = asyncio.Condition()
        self._reader = None
        self._next_id = 0

    # ---- connection
    async def connect(self, wait_welcome=True):
        self.ws = await websockets.connect(self.url, max_size=None, ping_interval=None,
                                           close_timeout=1, open_timeout=10,
                                           extra_headers=self.extra_headers)
        self.response_headers = {k.lower(): v for k, v in self.ws.response_headers.raw_items()}
        self._reader = asyncio.create_task(self._read())
        if wait_welcome:
            self.welcome = (await self.expect("welcome"))["welcome"]
        return self

    async def _read(self):
        try:
            async for frame in self.ws:
                try:
                    msg = json.loads(frame)
                except ValueError:
                    msg = {"type": "_undecodable", "_raw": frame}
                async with self._changed:
                    self.received.append(msg)
                    self._changed.notify_all()
        except websockets.ConnectionClosed:
            pass
        finally:
            self.close_code = self.ws.close_code
            self.closed.set()
            async with self._changed:
                self._changed.notify_all()

    async def close(self):
        if self.ws:
            await self.ws.close()
        if self._reader:
            try:
                await asyncio.wait_for(self._reader, 3)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                self._reader.cancel()

    async def abort(self, settle=0.5):
        """Drops the TCP connection without a close handshake (a client that vanished).
        The protocol has no event for "the server noticed": what the server sends before it
        reads the reset is lost with the socket, so callers that test queueing for the
        disconnected session get `settle` seconds for the server to see it (a wait for an
        unobservable event, not a timed assertion)."""
        if self.ws:
            self.ws.transport.abort()
        await self.closed.wait()
        await asyncio.sleep(settle)

    async def wait_closed(self, timeout=DEFAULT_TIMEOUT):
        try:
            await asyncio.wait_for(self.closed.wait(), timeout)
        except asyncio.TimeoutError:
            raise ProtocolError("%s: connection still open after %.1fs" % (self.name, timeout))

    # ---- sending
    def new_id(self):
        self._next_id += 1
        return "%s-%d" % (self.name, self._next_id)

    async def send(self, msg):
        await self.ws.send(json.dumps(msg))

    async def send_raw(self, data):
        await self.ws.send(data)

    async def request(self, typ, payload, with_id=True):
        """Sends {"id","type",type:payload}; returns the id."""
        msg = {"type": typ, typ: payload}
        rid = None
        if with_id:
            rid = self.new_id()
            msg["id"] = rid
        await self.send(msg)
        return rid

    # ---- receiving
    def _match(self, msg, want):
        if callable(want):
            return want(msg)
        if isinstance(want, str):
            return msg.get("type") == want
        return all(msg.get(k) == v for k, v in want.items())

    async def expect(self, want, timeout=DEFAULT_TIMEOUT, what=None):
        """Next unconsumed message matching `want` (a type name, a dict of top-level fields,
        or a predicate)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with self._changed:
            while True:
                for i, msg in enumerate(self.received):
                    if i not in self.consumed and self._match(msg, want):
                        self.consumed.add(i)
                        return msg
                left = deadline - loop.time()
                if left <= 0 or self.closed.is_set():
                    raise ProtocolError("%s: no %s within %.1fs; got %s" % (
                        self.name, what or want, timeout, self._tail()))
                try:
                    await asyncio.wait_for(self._changed.wait(), left)
                except asyncio.TimeoutError:
                    pass

    async def expect_none(self, want, wait=0.5, what=None):
        """Asserts that no matching message arrives within `wait` seconds (for negative
        cases the settle time is given by an event that must arrive *after* it instead,
        whenever the protocol offers one)."""
        try:
            msg = await self.expect(want, timeout=wait)
        except ProtocolError:
            return
        raise ProtocolError("%s: unexpected %s: %s" % (self.name, what or want, _short(msg)))

    async def expect_response(self, rid, timeout=DEFAULT_TIMEOUT):
        return await self.expect(lambda m: m.get("id") == rid, timeout, "reply to " + rid)

    async def expect_error(self, rid, code, timeout=DEFAULT_TIMEOUT):
        msg = await self.expect_response(rid, timeout) if rid else \
            await self.expect("error", timeout)
        if msg.get("type") != "error" or msg["error"].get("code") != code:
            raise ProtocolError("%s: expected error %s, got %s" % (self.name, code, _short(msg)))
        return msg["error"]

    async def expect_event(self, target, typ, pred=None, timeout=DEFAULT_TIMEOUT):
        def m(msg):
            ev = msg.get("event") if msg.get("type") == "event" else None
            return bool(ev) and ev.get("target") == target and ev.get("type") == typ and \
                (pred is None or pred(ev.get(typ)))
        return (await self.expect(m, timeout, "event %s/%s" % (target, typ)))["event"].get(typ)

    def _tail(self):
        rest = [_short(m) for i, m in enumerate(self.received) if i not in self.consumed]
        return "[" + ", ".join(rest[-6:]) + "]" + (" (closed)" if self.closed.is_set() else "")

    # ---- hello variants (spec 3.2, 3.4, 15.2)
    async def _hello(self, payload):
        rid = await self.request("hello", payload)
        msg = await self.expect_response(rid)
        if msg.get("type") == "hello":
            self.hello = msg["hello"]
        return msg

    async def hello_v1(self, url, userid="", ticket="", features=None, version="1.0"):
        payload = {"version": version, "auth": {"url": url, "params": {"userid": userid,
                                                                       "ticket": ticket}}}
        if features:
            payload["features"] = features
        return await self._hello(payload)

    async def hello_v2(self, url, token, features=None, auth_type=None):
        payload = {"version": "2.0", "auth": {"url": url, "params": {"token": token}}}
        if auth_type:
            payload["auth"]["type"] = auth_type
        if features:
            payload["features"] = features
        return await self._hello(payload)

    async def hello_internal(self, secret, backend, random=None, features=None, token=None,
                             version="1.0"):
        random = random or secrets.token_hex(32)
        payload = {"version": version, "auth": {"type": "internal", "params": {
            "random": random, "token": token or internal_token(secret, random),
            "backend": backend}}}
        if features:
            payload["features"] = features
        return await self._hello(payload)

    async def resume(self, resumeid, version="1.0"):
        return await self._hello({"version": version, "resumeid": resumeid})

    def ok(self, msg, typ):
        if msg.get("type") != typ:
            raise ProtocolError("%s: expected %s, got %s" % (self.name, typ, _short(msg)))
        return msg[typ]

    @property
    def sessionid(self):
        return self.hello["sessionid"]

    @property
    def resumeid(self):
        return self.hello["resumeid"]

    # ---- rooms
    async def join(self, roomid, sessionid=None, extra=None):
        payload = {"roomid": roomid}
        if sessionid is not None:
            payload["sessionid"] = sessionid
        payload.update(extra or {})
        rid = await self.request("room", payload)
        return await self.expect_response(rid)

    async def leave(self):
        rid = await self.request("room", {"roomid": ""})
        return rid

    # ---- messages
    async def message(self, recipient, data, typ="message"):
        return await self.request(typ, {"recipient": recipient, "data": data})

    async def to_session(self, sessionid, data, typ="message"):
        return await self.message({"type": "session", "sessionid": sessionid}, data, typ)

    async def to_user(self, userid, data, typ="message"):
        return await self.message({"type": "user", "userid": userid}, data, typ)

    async def to_room(self, data, typ="message"):
        return await self.message({"type": "room"}, data, typ)

    async def to_call(self, data, typ="message"):
        return await self.message({"type": "call"}, data, typ)

    async def expect_message(self, pred=None, typ="message", timeout=DEFAULT_TIMEOUT):
        return (await self.expect(lambda m: m.get("type") == typ and
                                  (pred is None or pred(m[typ])), timeout, typ))[typ]

    # ---- transient data (spec 8)
    async def transient_set(self, key, value, ttl=None):
        p = {"type": "set", "key": key, "value": value}
        if ttl is not None:
            p["ttl"] = ttl
        return await self.request("transient", p)

    async def transient_remove(self, key):
        return await self.request("transient", {"type": "remove", "key": key})

    async def expect_transient(self, typ, pred=None, timeout=DEFAULT_TIMEOUT):
        return (await self.expect(lambda m: m.get("type") == "transient" and
                                  m["transient"].get("type") == typ and
                                  (pred is None or pred(m["transient"])), timeout,
                                  "transient " + typ))["transient"]

    # ---- internal messages (spec 9)
    async def internal(self, typ, payload, with_id=False):
        return await self.request("internal", {"type": typ, typ: payload}, with_id)

    async def bye(self):
        rid = await self.request("bye", {})
        return await self.expect_response(rid)


def _short(msg, limit=300):
    text = json.dumps(msg)
    return text if len(text) <= limit else text[:limit] + "..."
