#!/usr/bin/python3
"""Unit tests of the Nextcloud emulator itself: checksums against the spec's vectors, JWTs
verified independently with python3-cryptography, the OCS shapes of every backend answer
over real HTTP, and the headers of the requests it sends to a signaling server."""

import asyncio
import json
import os
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nextcloud_emulator import (BACKEND_PATH, NextcloudEmulator, TokenKey, b64url, b64url_decode,  # noqa: E402
                                checksum, internal_token, new_random, valid_checksum, verify_jwt)

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def eq(got, want, what=""):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what, got, want))


# ---- spec 15 vectors
@test
def backend_checksum_vector():
    body = '{"type":"auth","auth":{"version":"1.0","params":{"hello":"world"}}}'
    rnd = "afb6b872ab03e3376b31bf0af601067222ff7990335ca02d327071b73c0119c6"
    eq(checksum("MySecretValue", rnd, body),
       "3c4a69ff328299803ac2879614b707c807b4758cf19450755c60656cac46e3bc", "spec 15.1")


@test
def internal_token_vector():
    eq(internal_token("the-shared-secret-for-internal-clients", "0123456789abcdef0123456789abcdef"),
       "3169f650a52079a9efe77cc6f9af23f56cb9b53258348ae83b3e69849c78b805", "spec 15.2")


@test
def checksum_validation_like_talk():
    rnd = new_random()
    eq(len(rnd), 64, "random length")
    good = checksum("s", rnd, b"{}")
    assert valid_checksum("s", rnd, b"{}", good)
    assert valid_checksum("s", rnd, b"{}", good.upper()), "hex case"
    assert not valid_checksum("s", rnd, b"{} ", good), "body changed"
    assert not valid_checksum("t", rnd, b"{}", good), "other secret"
    short = rnd[:31]
    assert not valid_checksum("s", short, b"{}", checksum("s", short, b"{}")), "short random"
    assert not valid_checksum("s", rnd, b"{}", ""), "no checksum"


# ---- JWT
def _jwt_roundtrip(alg):
    key = TokenKey(alg)
    now = int(time.time())
    claims = {"iss": "http://x/", "iat": now, "exp": now + 60, "sub": "alice",
              "userdata": {"displayname": "Alice"}}
    tok = key.jwt(claims)
    eq(verify_jwt(tok, key.public_pem()), claims, alg + " claims")
    head = json.loads(b64url_decode(tok.split(".")[0]))
    eq(head["alg"], alg, "header alg")
    parts = tok.split(".")
    forged = parts[0] + "." + b64url(json.dumps(dict(claims, sub="admin")).encode()) + "." + parts[2]
    try:
        verify_jwt(forged, key.public_pem())
    except ValueError:
        pass
    else:
        raise AssertionError(alg + ": tampered token verified")
    try:
        verify_jwt(tok, TokenKey(alg).public_pem())
    except ValueError:
        pass
    else:
        raise AssertionError(alg + ": token verified with another key")
    if alg.startswith("ES"):
        size = {"ES256": 64, "ES384": 96, "ES512": 132}[alg]
        eq(len(b64url_decode(parts[2])), size, alg + " raw r||s signature")


for _alg in ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "EdDSA"]:
    TESTS.append(lambda a=_alg: _jwt_roundtrip(a))
    TESTS[-1].__name__ = "jwt_" + _alg


@test
def jwt_claims_as_talk():
    emu = NextcloudEmulator("s")
    emu.port = 1234
    emu.add_user("alice", "Alice A")
    c = verify_jwt(emu.token("alice"), emu.key.public_pem())
    eq(c["sub"], "alice", "sub")
    eq(c["exp"] - c["iat"], 60, "lifetime")
    eq(c["userdata"], {"displayname": "Alice A"}, "userdata")
    assert "iat" not in verify_jwt(emu.token("alice", omit=("iat",)), emu.key.public_pem())
    eq(emu.key.jwt({"a": 1}, alg="none").split(".")[2], "", "alg none has no signature")


@test
def ed25519_raw_key():
    import base64
    k = TokenKey("EdDSA")
    eq(len(base64.b64decode(k.public_raw_b64())), 32, "raw key size")


# ---- the HTTP side
def _post(url, body, secret, rnd=None, ctype="application/json"):
    rnd = rnd or new_random()
    req = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": ctype, "OCS-APIRequest": "true", "Accept": "application/json",
        "Spreed-Signaling-Random": rnd, "Spreed-Signaling-Checksum": checksum(secret, rnd, body)})
    with urllib.request.urlopen(req, timeout=5) as r:
        return r.status, r.headers.get("Content-Type"), json.loads(r.read())


async def _with_emulator(fn):
    emu = await NextcloudEmulator("sekrit").start()
    emu.load_model({"users": {"alice": {"displayname": "Alice"}},
                    "rooms": {"room1": {"name": "Team", "type": 2,
                                        "participants": {"alice": ["publish-media", "control"]}},
                              "pub": {"type": 3, "guest_permissions": ["publish-audio"]}}})
    try:
        await asyncio.to_thread(fn, emu)
    finally:
        await emu.stop()


def _ocs_ok(resp):
    status, ctype, doc = resp
    eq(status, 200, "http status")
    assert ctype.startswith("application/json"), ctype
    eq(doc["ocs"]["meta"]["statuscode"], 200, "ocs statuscode")
    return doc["ocs"]["data"]


@test
def ocs_auth():
    def run(emu):
        url = emu.backend_url
        body = json.dumps({"type": "auth", "auth": {"version": "1.0", "params": {
            "userid": "alice", "ticket": emu.ticket("alice")}}}).encode()
        d = _ocs_ok(_post(url, body, "sekrit"))
        eq(d, {"type": "auth", "auth": {"version": "1.0", "userid": "alice",
                                         "user": {"displayname": "Alice"}}}, "auth")
        bad = json.dumps({"type": "auth", "auth": {"params": {"userid": "alice", "ticket": "1:2:3"}}}).encode()
        eq(_ocs_ok(_post(url, bad, "sekrit"))["error"]["code"], "invalid_ticket", "bad ticket")
        d = _ocs_ok(_post(url, body, "wrong"))
        eq(d["error"]["code"], "invalid_request", "bad checksum answered as Talk does")
        assert not emu.requests[-1].checksum_ok
        eq(len(emu.of_type("auth")), 3, "recorded")
        guest = json.dumps({"type": "auth", "auth": {"params": {"userid": "", "ticket": emu.ticket("")}}}).encode()
        eq(_ocs_ok(_post(url, guest, "sekrit")), {"type": "auth", "auth": {"version": "1.0"}}, "guest")
    asyncio.run(_with_emulator(run))


@test
def ocs_room_ping_session():
    def run(emu):
        url = emu.base_url + BACKEND_PATH.replace("v3", "v1")
        room = lambda **kw: json.dumps({"type": "room", "room": dict({"version": "1.0"}, **kw)}).encode()  # noqa: E731
        d = _ocs_ok(_post(url, room(roomid="room1", userid="alice", sessionid="s1"), "sekrit"))
        eq(d["room"]["properties"], {"name": "Team", "type": 2}, "properties")
        eq(d["room"]["permissions"], ["publish-media", "control"], "permissions")
        eq(_ocs_ok(_post(url, room(roomid="room1", userid="bob", sessionid="s"), "sekrit"))["error"]["code"],
           "no_such_room", "not invited")
        eq(_ocs_ok(_post(url, room(roomid="room1", userid="", sessionid="s"), "sekrit"))["error"]["code"],
           "no_such_room", "guest in group room")
        eq(_ocs_ok(_post(url, room(roomid="pub", userid="", sessionid="g"), "sekrit"))["room"]["permissions"],
           ["publish-audio"], "guest permissions")
        eq(_ocs_ok(_post(url, room(roomid="room1", userid="alice", sessionid="s1", action="leave"), "sekrit"))["type"],
           "room", "leave")
        ping = json.dumps({"type": "ping", "ping": {"version": "1.0", "roomid": "room1", "entries": []}}).encode()
        eq(_ocs_ok(_post(url, ping, "sekrit")), {"type": "ping", "ping": {"version": "1.0", "roomid": "room1"}}, "ping")
        sess = json.dumps({"type": "session", "session": {"version": "1.0", "roomid": "room1",
                                                          "action": "add", "sessionid": "v"}}).encode()
        eq(_ocs_ok(_post(url, sess, "sekrit"))["type"], "session", "session")
    asyncio.run(_with_emulator(run))


@test
def ocs_capabilities():
    def run(emu):
        with urllib.request.urlopen(emu.base_url + "ocs/v2.php/cloud/capabilities", timeout=5) as r:
            doc = json.loads(r.read())
        spreed = doc["ocs"]["data"]["capabilities"]["spreed"]
        assert "signaling-v3" in spreed["features"]
        pem = spreed["config"]["signaling"]["hello-v2-token-key"]
        verify_jwt(emu.token("alice"), pem)
        eq(emu.capabilities_hits, 1, "hits")
    asyncio.run(_with_emulator(run))


@test
def post_room_headers():
    """The backend API requests the emulator sends verify with the secret."""
    seen = {}

    async def run():
        async def serve(reader, writer):
            head = (await reader.readuntil(b"\r\n\r\n")).decode()
            lines = head.split("\r\n")
            hdrs = {ln.split(":", 1)[0].lower(): ln.split(":", 1)[1].strip() for ln in lines[1:] if ":" in ln}
            body = await reader.readexactly(int(hdrs["content-length"]))
            seen.update(line=lines[0], headers=hdrs, body=body)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
            await writer.drain()
            writer.close()
        srv = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = srv.sockets[0].getsockname()[1]
        emu = NextcloudEmulator("sekrit", port=4711)
        st, _, body = await emu.invite("http://127.0.0.1:%d" % port, "room1", ["bob"])
        srv.close()
        eq((st, body), (200, b"{}"), "response")
    asyncio.run(run())
    h = seen["headers"]
    eq(seen["line"], "POST /api/v1/room/room1 HTTP/1.1", "request line")
    assert valid_checksum("sekrit", h["spreed-signaling-random"], seen["body"], h["spreed-signaling-checksum"])
    eq(h["spreed-signaling-backend"], "http://127.0.0.1:4711/", "backend header")
    eq(json.loads(seen["body"])["invite"]["userids"], ["bob"], "body")


def main():
    passed = failed = 0
    for t in TESTS:
        try:
            t()
            passed += 1
            print("ok", t.__name__)
        except Exception as e:  # noqa: BLE001 - report every failure
            failed += 1
            print("FAIL %s: %s: %s" % (t.__name__, type(e).__name__, e))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
