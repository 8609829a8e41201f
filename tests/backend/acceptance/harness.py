"""Shared fixtures of the acceptance cases: the emulated Nextclouds, the servers under test,
clients that say hello the way Talk does, and fresh rooms per case."""

import asyncio
import json
import secrets
import socket
import urllib.parse

from signaling_client import ProtocolError, SignalingClient

CASES = []

# The emulated Nextclouds the server under test is configured with (names as in
# tests/integration/signaling-acceptance.sh) and what makes each one special.
EMULATORS = {
    "nc1": {"token_alg": "ES256"},          # the main one
    "nc2": {"token_alg": "RS256"},          # a second backend; bitrate limits configured
    "nced": {"token_alg": "EdDSA"},
    "nclimit": {"token_alg": "ES256"},      # sessionlimit = 2
    "ncrs512": {"token_alg": "RS512"},
    "nces384": {"token_alg": "ES384"},
    "nces512": {"token_alg": "ES512"},
    "ncedraw": {"token_alg": "EdDSA", "raw_ed25519_key": True},
    "ncnokey": {"token_alg": "ES256", "publish_key": False},
}


def case(name=None, cluster=True, single=True, slow=False, last=False):
    """Registers an acceptance case. cluster: also run in --cluster mode (clients are then
    spread over the nodes); single: run in single-node mode."""
    def register(fn):
        CASES.append({"name": name or fn.__name__, "fn": fn, "cluster": cluster,
                      "single": single, "slow": slow, "last": last,
                      "module": fn.__module__.rsplit(".", 1)[-1]})
        return fn
    return register


def check(cond, text):
    if not cond:
        raise AssertionError(text)


def check_eq(got, want, what):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what, got, want))


async def join_entry(c, sid):
    """The entry of session `sid` from the join events client `c` got (waiting for it)."""
    def find(events):
        return [e for e in events if e.get("sessionid") == sid]
    for m in list(c.received):
        if m.get("type") == "event" and m["event"].get("type") == "join":
            hit = find(m["event"].get("join") or [])
            if hit:
                return hit[0]
    joined = await c.expect_event("room", "join", lambda j: bool(find(j)))
    return find(joined)[0]


class Node:
    def __init__(self, ws_url):
        self.ws_url = ws_url
        u = urllib.parse.urlsplit(ws_url)
        self.http_url = "http://%s" % u.netloc
        self.host, self.port = u.hostname, u.port


class Env:
    """What one case sees. `nc` is the main Nextcloud (ES256 key), `nc2` a second backend
    (RS256), `nc_ed` a third (Ed25519), `nc_limit` one with sessionlimit 2, `nc_unknown`
    an emulator the server does not know."""

    def __init__(self, nodes, emulators, internal_secret, cluster):
        self.nodes = nodes
        self.ncs = emulators
        self.nc, self.nc2, self.nc_ed, self.nc_limit, self.nc_unknown = (
            emulators[n] for n in ("nc1", "nc2", "nced", "nclimit", "unknown"))
        self.internal_secret = internal_secret
        self.cluster = cluster
        self.clients = []
        self._count = 0

    # ---- placement: in cluster mode consecutive clients land on alternating nodes
    def node(self, index=None):
        if index is None:
            index = self._count
            self._count += 1
        return self.nodes[index % len(self.nodes)]

    @property
    def srv(self):
        return self.nodes[0].http_url

    async def connect(self, name="c", node=None, **kw):
        c = SignalingClient(self.node(node).ws_url, name=name, **kw)
        self.clients.append(c)
        await c.connect()
        return c

    def room(self, nc=None, users=("alice", "bob", "carol"), type=2, permissions=None,
             guest_permissions=None, **kw):
        """A fresh conversation on `nc` with the given participants (userid -> perms map or
        list)."""
        nc = nc or self.nc
        token = "r" + secrets.token_hex(5)
        parts = users if isinstance(users, dict) else {u: permissions for u in users}
        nc.add_room(token, type=type, participants=parts, permissions=permissions,
                    guest_permissions=guest_permissions, **kw)
        return token

    async def user(self, userid, node=None, nc=None, features=None, name=None):
        """A client authenticated with hello v1 (ticket), as Talk's web UI does."""
        nc = nc or self.nc
        if userid and userid not in nc.users:
            nc.add_user(userid)
        c = await self.connect(name or userid or "guest", node)
        msg = await c.hello_v1(nc.backend_url, userid, nc.ticket(userid), features=features)
        c.ok(msg, "hello")
        c.nc = nc
        return c

    async def guest(self, node=None, nc=None):
        return await self.user("", node, nc, name="guest")

    async def internal(self, node=None, nc=None, features=None, name="internal"):
        nc = nc or self.nc
        c = await self.connect(name, node)
        c.ok(await c.hello_internal(self.internal_secret, nc.base_url, features=features),
             "hello")
        c.nc = nc
        return c

    async def joined(self, userid, room, node=None, nc=None, features=None, rsid=None):
        """A user client that has joined `room` (and consumed its own join event)."""
        c = await self.user(userid, node, nc, features)
        await self.join(c, room, rsid)
        return c

    async def join(self, c, room, rsid=None):
        c.room_sid = rsid or "nc-" + secrets.token_hex(6)
        msg = await c.join(room, c.room_sid)
        c.ok(msg, "room")
        check_eq(msg["room"]["roomid"], room, "joined room id")
        await c.expect_event("room", "join",
                             lambda j: any(e.get("sessionid") == c.sessionid for e in j))
        return msg["room"]

    async def cleanup(self):
        for c in self.clients:
            try:
                if c.ws and not c.closed.is_set():
                    if c.hello:
                        try:
                            await asyncio.wait_for(c.send({"type": "bye", "bye": {}}), 1)
                        except Exception:  # noqa: BLE001 - best effort
                            pass
                    await asyncio.wait_for(c.close(), 3)
            except Exception:  # noqa: BLE001 - best effort
                pass
        self.clients = []

    async def server_alive(self, node=0):
        """A fresh client completes hello on `node`: the server still serves."""
        self.nc.add_user("alice")
        c = SignalingClient(self.nodes[node].ws_url, name="probe")
        await c.connect()
        try:
            c.ok(await c.hello_v1(self.nc.backend_url, "alice", self.nc.ticket("alice")), "hello")
        finally:
            await c.close()

    def raw_socket(self, node=0):
        n = self.nodes[node]
        return socket.create_connection((n.host, n.port), timeout=10)


__all__ = ["case", "check", "check_eq", "Env", "Node", "ProtocolError", "CASES", "json"]
