#!/usr/bin/python3
"""A small Nextcloud (Talk) as the signaling server sees it.

It answers the signaling backend endpoint (auth / room / ping / session, OCS envelope,
Spreed-Signaling-Checksum verified like Talk's SignalingController) and the capabilities
endpoint, issues hello-v2 JWTs (RS256, ES256, EdDSA ...), keeps a configurable model of
users, rooms and permissions, records every request it receives, and calls the signaling
server's backend API (POST /api/v1/room/{id}, every type of spec section 13).

Importable (the acceptance suite runs one instance per emulated Nextcloud inside its own
event loop) and runnable:

    nextcloud_emulator.py --port 8081 --secret s3cret [--config model.json] [--key-type ecdsa]

The contract is /work/shared/spec/signaling-protocol.md (sections 12, 13, 15).
"""

import argparse
import asyncio
import base64
import hashlib
import hmac
import http.client
import json
import secrets
import sys
import time
import urllib.parse

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

BACKEND_PATH = "ocs/v2.php/apps/spreed/api/v3/signaling/backend"
MAX_BODY = 1 << 20


# ---------------------------------------------------------------- checksums (spec 15.1/15.2)

def checksum(secret, random, body):
    """lowercase hex HMAC-SHA256(secret, random || body); all arguments str or bytes."""
    key = secret.encode() if isinstance(secret, str) else secret
    msg = (random.encode() if isinstance(random, str) else random) + \
        (body.encode() if isinstance(body, str) else body)
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


def valid_checksum(secret, random, body, given):
    """Talk's validateBackendRequest: random of at least 32 chars, constant-time compare."""
    if not random or len(random) < 32 or not given:
        return False
    return hmac.compare_digest(checksum(secret, random, body), given.lower())


def internal_token(secret, random):
    """Token of an internal client hello (spec 15.2)."""
    return checksum(secret, random, b"")


def new_random():
    """64 alphanumeric chars, as Talk sends."""
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(64))


# ---------------------------------------------------------------- JWT for hello v2 (spec 3.2)

def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_HASHES = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
_CURVES = {"ES256": ec.SECP256R1, "ES384": ec.SECP384R1, "ES512": ec.SECP521R1}


class TokenKey:
    """One signing key of a Nextcloud: kind 'rsa', 'ecdsa' (curve by alg) or 'ed25519'."""

    def __init__(self, alg="ES256"):
        self.alg = alg
        if alg.startswith("RS"):
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        elif alg.startswith("ES"):
            self.private = ec.generate_private_key(_CURVES[alg]())
        elif alg == "EdDSA":
            self.private = ed25519.Ed25519PrivateKey.generate()
        else:
            raise ValueError("unsupported JWT algorithm " + alg)

    def public_pem(self):
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()

    def public_raw_b64(self):
        """Ed25519 only: the raw 32-byte key base64-encoded, as Talk may publish it."""
        return base64.b64encode(self.private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()

    def sign_bytes(self, data, alg=None):
        alg = alg or self.alg
        if alg.startswith("RS"):
            return self.private.sign(data, padding.PKCS1v15(), _HASHES[alg[2:]]())
        if alg.startswith("ES"):
            der = self.private.sign(data, ec.ECDSA(_HASHES[alg[2:]]()))
            r, s = decode_dss_signature(der)
            size = (self.private.curve.key_size + 7) // 8
            return r.to_bytes(size, "big") + s.to_bytes(size, "big")
        return self.private.sign(data)

    def jwt(self, claims, alg=None, header_extra=None):
        """Compact JWS of `claims`; `alg` may differ from the key's (to forge bad tokens)."""
        alg = alg or self.alg
        header = {"alg": alg, "typ": "JWT"}
        header.update(header_extra or {})
        signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "." +
                         b64url(json.dumps(claims, separators=(",", ":")).encode()))
        if alg == "none":
            return signing_input + "."
        return signing_input + "." + b64url(self.sign_bytes(signing_input.encode(), alg))


def verify_jwt(token, public_pem):
    """Verifies a compact JWS against a PEM public key; returns the claims or raises ValueError.
    Used by the emulator's own unit tests to prove the issued tokens are standard."""
    try:
        head64, claims64, sig64 = token.split(".")
        header = json.loads(b64url_decode(head64))
        claims = json.loads(b64url_decode(claims64))
        sig = b64url_decode(sig64)
    except Exception as e:  # noqa: BLE001 - any decoding problem is a bad token
        raise ValueError("malformed token: %s" % e) from e
    key = serialization.load_pem_public_key(public_pem.encode())
    data = (head64 + "." + claims64).encode()
    alg = header.get("alg", "")
    try:
        if alg.startswith("RS") and isinstance(key, rsa.RSAPublicKey):
            key.verify(sig, data, padding.PKCS1v15(), _HASHES[alg[2:]]())
        elif alg.startswith("ES") and isinstance(key, ec.EllipticCurvePublicKey):
            from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
            half = len(sig) // 2
            der = encode_dss_signature(int.from_bytes(sig[:half], "big"),
                                       int.from_bytes(sig[half:], "big"))
            key.verify(der, data, ec.ECDSA(_HASHES[alg[2:]]()))
        elif alg == "EdDSA" and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(sig, data)
        else:
            raise ValueError("algorithm %r does not fit the key" % alg)
    except ValueError:
        raise
    except Exception as e:  # noqa: BLE001 - InvalidSignature and friends
        raise ValueError("bad signature") from e
    return claims


# ---------------------------------------------------------------- the model

class Room:
    """A Talk conversation. type: 1 one-to-one, 2 group, 3 public (guests may join)."""

    def __init__(self, token, name=None, type=2, participants=None, permissions=None,
                 properties=None, guest_permissions=None, guest_session_userid=None):
        self.token = token
        self.name = name or token
        self.type = type
        # userid -> permission list (None = none sent, i.e. all but hide-displaynames)
        self.participants = dict(participants or {})
        self.default_permissions = permissions
        self.guest_permissions = guest_permissions
        self.extra_properties = dict(properties or {})
        # returned as room.session.userid when a guest joins (Talk names guests this way)
        self.guest_session_userid = guest_session_userid

    def properties(self):
        props = {"name": self.name, "type": self.type}
        props.update(self.extra_properties)
        return props

    def to_json(self):
        return {"name": self.name, "type": self.type, "participants": self.participants,
                "permissions": self.default_permissions, "properties": self.extra_properties,
                "guest_permissions": self.guest_permissions,
                "guest_session_userid": self.guest_session_userid}


class Recorded:
    """One request the emulator received."""

    def __init__(self, method, path, headers, body, checksum_ok, response):
        self.time = time.time()
        self.method = method
        self.path = path
        self.headers = headers          # lower-case names
        self.raw = body
        self.checksum_ok = checksum_ok
        self.response = response
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    @property
    def type(self):
        return self.json.get("type") if isinstance(self.json, dict) else None

    def payload(self):
        return self.json.get(self.type, {}) if self.type else {}

    def summary(self):
        return {"time": self.time, "method": self.method, "path": self.path,
                "checksum_ok": self.checksum_ok, "request": self.json, "response": self.response}


def ocs(data, status="ok", code=200, message="OK"):
    return {"ocs": {"meta": {"status": status, "statuscode": code, "message": message},
                    "data": data}}


def error_data(code, message):
    return {"type": "error", "error": {"code": code, "message": message}}


class NextcloudEmulator:
    """One emulated Nextcloud instance (one base URL, one signaling secret)."""

    def __init__(self, secret, host="127.0.0.1", port=0, token_alg="ES256", features=None,
                 raw_ed25519_key=False, session_ping_limit=None, publish_key=True, log=None,
                 ticket_key=None):
        self.secret = secret
        self.host = host
        self.port = port
        self.key = TokenKey(token_alg)
        self.raw_ed25519_key = raw_ed25519_key
        self.publish_key = publish_key
        self.features = list(features if features is not None else
                             ["signaling-v3", "federation-v2", "audio-video-permissions"])
        self.session_ping_limit = session_ping_limit
        self.users = {}                 # userid -> {"displayname": ...}
        self.rooms = {}                 # token -> Room
        self.requests = []              # Recorded, in arrival order
        self.overrides = {}             # request type -> callable(payload) -> data or None
        self.capabilities_hits = 0
        self.log = log
        self._server = None
        # The key Talk's tickets are signed with; a fixed one lets another process (the
        # development tools) issue tickets this instance accepts.
        self._ticket_key = ticket_key or secrets.token_bytes(32)
        self._waiters = []

    # ---- model helpers
    @property
    def base_url(self):
        return "http://%s:%d/" % (self.host, self.port)

    @property
    def backend_url(self):
        """The URL Talk puts into hello (auth.url)."""
        return self.base_url + BACKEND_PATH

    def add_user(self, userid, displayname=None):
        self.users[userid] = {"displayname": displayname or userid.capitalize()}

    def add_room(self, token, **kw):
        room = Room(token, **kw)
        self.rooms[token] = room
        return room

    def ticket(self, userid=""):
        """A signaling ticket as Talk hands to its web client: random:time:hmac."""
        rnd = secrets.token_hex(8)
        ts = str(int(time.time()))
        mac = hmac.new(self._ticket_key, ("%s:%s:%s" % (rnd, ts, userid)).encode(),
                       hashlib.sha256).hexdigest()
        return "%s:%s:%s" % (rnd, ts, mac)

    def _ticket_valid(self, ticket, userid):
        try:
            rnd, ts, mac = ticket.split(":")
        except (AttributeError, ValueError):
            return False
        want = hmac.new(self._ticket_key, ("%s:%s:%s" % (rnd, ts, userid)).encode(),
                        hashlib.sha256).hexdigest()
        return hmac.compare_digest(want, mac)

    def token(self, userid="", alg=None, iat=None, exp=None, userdata=None, omit=(), key=None):
        """A hello-v2 JWT as Talk issues it (exp = iat + 60); `omit` drops claims."""
        now = int(time.time())
        claims = {"iss": self.base_url.rstrip("/"), "iat": now if iat is None else iat,
                  "exp": (now + 60) if exp is None else exp, "sub": userid}
        if userid in self.users:
            claims["userdata"] = {"displayname": self.users[userid]["displayname"]}
        if userdata is not None:
            claims["userdata"] = userdata
        for name in omit:
            claims.pop(name, None)
        return (key or self.key).jwt(claims, alg=alg)

    # ---- recorded requests
    def of_type(self, typ):
        return [r for r in self.requests if r.type == typ]

    async def wait_request(self, predicate, timeout=5.0, since=0):
        """Waits until a recorded request (index >= since) satisfies predicate."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for r in self.requests[since:]:
                if predicate(r):
                    return r
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise TimeoutError("no matching backend request within %.1fs" % timeout)
            fut = asyncio.get_running_loop().create_future()
            self._waiters.append(fut)
            try:
                await asyncio.wait_for(fut, left)
            except asyncio.TimeoutError:
                pass
            finally:
                if fut in self._waiters:
                    self._waiters.remove(fut)

    def _record(self, rec):
        self.requests.append(rec)
        if self.log:
            self.log(json.dumps(rec.summary()))
        for fut in self._waiters:
            if not fut.done():
                fut.set_result(None)

    # ---- signaling backend endpoint (what Talk's SignalingController::backend does)
    def handle_backend(self, random, given, body):
        if not valid_checksum(self.secret, random, body, given):
            return False, error_data("invalid_request", "The request could not be authenticated.")
        try:
            msg = json.loads(body)
        except ValueError:
            return True, error_data("invalid_request", "The request could not be parsed.")
        typ = msg.get("type") if isinstance(msg, dict) else None
        payload = msg.get(typ) if typ else None
        if not isinstance(payload, dict):
            return True, error_data("unknown_type", "The given type %s is not supported." % typ)
        override = self.overrides.get(typ)
        if override:
            data = override(payload)
            if data is not None:
                return True, data
        handler = {"auth": self._auth, "room": self._room, "ping": self._ping,
                   "session": self._session}.get(typ)
        if not handler:
            return True, error_data("unknown_type", "The given type %s is not supported." % typ)
        return True, handler(payload)

    def _auth(self, p):
        params = p.get("params") or {}
        userid = params.get("userid") or ""
        if userid:
            if userid not in self.users:
                return error_data("no_such_user", "The given user does not exist.")
        if not self._ticket_valid(params.get("ticket", ""), userid):
            return error_data("invalid_ticket", "The given ticket is not valid for this user.")
        data = {"type": "auth", "auth": {"version": "1.0"}}
        if userid:
            data["auth"]["userid"] = userid
            data["auth"]["user"] = dict(self.users[userid])
        return data

    def _room(self, p):
        roomid = p.get("roomid", "")
        userid = p.get("userid") or ""
        room = self.rooms.get(roomid)
        if p.get("action") == "leave":
            return {"type": "room", "room": {"version": "1.0", "roomid": roomid}}
        if room is None:
            return error_data("no_such_room", "The user is not invited to this room.")
        actor = p.get("actorid")
        if userid:
            if userid not in room.participants and room.type != 3:
                return error_data("no_such_room", "The user is not invited to this room.")
            perms = room.participants.get(userid, room.default_permissions)
        elif actor:
            perms = room.default_permissions
        else:
            if room.type != 3:
                return error_data("no_such_room", "The user is not invited to this room.")
            perms = room.guest_permissions
        data = {"type": "room", "room": {"version": "1.0", "roomid": roomid,
                                         "properties": room.properties()}}
        if perms is not None:
            data["room"]["permissions"] = list(perms)
        if not userid and not actor and room.guest_session_userid:
            data["room"]["session"] = {"userid": room.guest_session_userid}
        return data

    def _ping(self, p):
        return {"type": "ping", "ping": {"version": "1.0", "roomid": p.get("roomid", "")}}

    def _session(self, p):
        return {"type": "session", "session": {"version": "1.0", "roomid": p.get("roomid", "")}}

    def capabilities(self):
        key = self.key.public_raw_b64() if (self.raw_ed25519_key and self.key.alg == "EdDSA") \
            else self.key.public_pem()
        signaling = {"hello-v2-token-key": key} if self.publish_key else {}
        if self.session_ping_limit is not None:
            signaling["session-ping-limit"] = self.session_ping_limit
        return ocs({"version": {"major": 30, "minor": 0, "micro": 0, "string": "30.0.0"},
                    "capabilities": {"spreed": {"features": self.features,
                                                "config": {"signaling": signaling}}}})

    # ---- HTTP server (asyncio streams, HTTP/1.1 keep-alive)
    async def start(self):
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self):
        if self._server:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader, writer):
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                try:
                    method, target, _ = line.decode("latin-1").split(" ", 2)
                except ValueError:
                    break
                headers = {}
                while True:
                    h = await reader.readline()
                    if h in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = h.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0") or 0)
                if length > MAX_BODY:
                    break
                body = await reader.readexactly(length) if length else b""
                status, ctype, payload = self._dispatch(method, target, headers, body)
                out = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                head = ("HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n"
                        "Date: %s\r\n\r\n" % (status, http.client.responses.get(status, ""),
                                              ctype, len(out), _http_date()))
                writer.write(head.encode() + out)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    def _dispatch(self, method, target, headers, body):
        path = urllib.parse.urlsplit(target).path
        if method == "GET" and path == "/ocs/v2.php/cloud/capabilities":
            self.capabilities_hits += 1
            data = self.capabilities()
            self._record(Recorded(method, path, headers, b"", None, data))
            return 200, "application/json; charset=utf-8", data
        if method == "POST" and "/apps/spreed/api/" in path and path.endswith("/signaling/backend"):
            ok, data = self.handle_backend(headers.get("spreed-signaling-random", ""),
                                           headers.get("spreed-signaling-checksum", ""), body)
            self._record(Recorded(method, path, headers, body, ok, data))
            return 200, "application/json; charset=utf-8", ocs(data)
        self._record(Recorded(method, path, headers, body, None, None))
        return 404, "application/json; charset=utf-8", ocs([], "failure", 404, "Not found")

    # ---- calling the signaling server's backend API (spec 13)
    async def post_room(self, signaling_http, roomid, message, secret=None, random=None,
                        backend=True, content_type="application/json", raw=None,
                        omit_headers=(), extra_headers=None):
        """POST /api/v1/room/{roomid}; returns (status, headers dict, body bytes)."""
        body = raw if raw is not None else json.dumps(message).encode()
        random = random if random is not None else new_random()
        headers = {"Content-Type": content_type, "OCS-APIRequest": "true",
                   "Spreed-Signaling-Random": random,
                   "Spreed-Signaling-Checksum": checksum(secret or self.secret, random, body)}
        if backend:
            headers["Spreed-Signaling-Backend"] = backend if isinstance(backend, str) \
                else self.base_url
        headers.update(extra_headers or {})
        for name in omit_headers:
            headers.pop(name, None)
        path = "/api/v1/room/" + urllib.parse.quote(roomid, safe="")
        return await asyncio.to_thread(_http_post, signaling_http, path, body, headers)

    async def invite(self, srv, roomid, userids, alluserids=None, properties=None):
        room = self.rooms.get(roomid)
        props = properties if properties is not None else (room.properties() if room else {})
        return await self.post_room(srv, roomid, {"type": "invite", "invite": {
            "userids": userids, "alluserids": alluserids or userids, "properties": props}})

    async def disinvite(self, srv, roomid, userids=(), sessionids=(), alluserids=(), properties=None):
        return await self.post_room(srv, roomid, {"type": "disinvite", "disinvite": {
            "userids": list(userids), "sessionids": list(sessionids),
            "alluserids": list(alluserids), "properties": properties or {}}})

    async def update(self, srv, roomid, userids=(), properties=None):
        return await self.post_room(srv, roomid, {"type": "update", "update": {
            "userids": list(userids), "properties": properties or {}}})

    async def delete(self, srv, roomid, userids=()):
        return await self.post_room(srv, roomid, {"type": "delete", "delete": {
            "userids": list(userids)}})

    async def incall(self, srv, roomid, incall, changed=None, users=None, all=False):
        body = {"incall": incall}
        if all:
            body["all"] = True
        else:
            body["changed"] = changed or []
            body["users"] = users or []
        return await self.post_room(srv, roomid, {"type": "incall", "incall": body})

    async def participants(self, srv, roomid, changed, users=None):
        return await self.post_room(srv, roomid, {"type": "participants", "participants": {
            "changed": changed, "users": users if users is not None else changed}})

    async def message(self, srv, roomid, data):
        return await self.post_room(srv, roomid, {"type": "message", "message": {"data": data}})

    async def switchto(self, srv, roomid, target, sessions):
        return await self.post_room(srv, roomid, {"type": "switchto", "switchto": {
            "roomid": target, "sessions": sessions}})

    async def dialout(self, srv, roomid, number, options=None):
        body = {"number": number} if number is not None else {}
        body["options"] = options or {}
        return await self.post_room(srv, roomid, {"type": "dialout", "dialout": body})

    # ---- configuration file (CLI and tests)
    def load_model(self, model):
        """model: {"users": {id: {"displayname"}}, "rooms": {token: {name, type,
        participants: {userid: [perms] | null}, permissions, guest_permissions, properties}}}"""
        for userid, u in (model.get("users") or {}).items():
            self.add_user(userid, (u or {}).get("displayname"))
        for token, r in (model.get("rooms") or {}).items():
            self.add_room(token, **(r or {}))


def _http_date():
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())


def _http_post(base, path, body, headers):
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=15)
    try:
        conn.request("POST", (u.path.rstrip("/") + path), body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


# ---------------------------------------------------------------- CLI

def main(argv=None):
    ap = argparse.ArgumentParser(description="Emulated Nextcloud Talk backend for a signaling server.")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="TCP port (0: any free one)")
    ap.add_argument("--secret", required=True, help="signaling secret shared with the server")
    ap.add_argument("--config", help="model as JSON file or inline JSON (users, rooms)")
    ap.add_argument("--token-alg", default="ES256",
                    choices=["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "EdDSA"])
    ap.add_argument("--quiet", action="store_true", help="do not log requests to stdout")
    ap.add_argument("--ticket-key-file", help="file with the hex key signaling tickets are signed "
                                              "with (default: a random key)")
    args = ap.parse_args(argv)
    ticket_key = None
    if args.ticket_key_file:
        with open(args.ticket_key_file, encoding="ascii") as f:
            ticket_key = bytes.fromhex(f.read().strip())

    emu = NextcloudEmulator(args.secret, host=args.host, port=args.port, token_alg=args.token_alg,
                            log=None if args.quiet else (lambda s: print(s, flush=True)),
                            ticket_key=ticket_key)
    if args.config:
        text = args.config
        if not text.lstrip().startswith("{"):
            with open(text, encoding="utf-8") as f:
                text = f.read()
        emu.load_model(json.loads(text))

    async def run():
        await emu.start()
        print(json.dumps({"ready": emu.base_url, "backend": emu.backend_url}), flush=True)
        await asyncio.Event().wait()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
