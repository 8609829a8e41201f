#!/usr/bin/python3
"""Small signaling client for signaling-smoke.sh (internal clients, no Nextcloud needed).

  pair URL_A URL_B   two clients join one room and exchange a session and a room message
  hold URL           one client says hello and waits; prints "closed <code>" when the
                     server closes the connection
"""
import argparse
import asyncio
import hashlib
import hmac
import json
import secrets
import sys

import websockets

TIMEOUT = 10


async def recv_until(ws, pred, what):
    async def loop():
        while True:
            msg = json.loads(await ws.recv())
            if pred(msg):
                return msg
    try:
        return await asyncio.wait_for(loop(), TIMEOUT)
    except asyncio.TimeoutError:
        raise SystemExit("timeout waiting for " + what)


async def hello(url, secret):
    ws = await websockets.connect(url)
    welcome = json.loads(await ws.recv())
    if welcome.get("type") != "welcome":
        raise SystemExit("no welcome: %r" % welcome)
    rnd = secrets.token_hex(32)
    token = hmac.new(secret.encode(), rnd.encode(), hashlib.sha256).hexdigest()
    await ws.send(json.dumps({"id": "h", "type": "hello", "hello": {"version": "1.0", "auth": {
        "type": "internal", "params": {"random": rnd, "token": token,
                                       "backend": "https://cloud.example.com/"}}}}))
    msg = await recv_until(ws, lambda m: m.get("id") == "h", "hello reply")
    if msg.get("type") != "hello":
        raise SystemExit("hello failed: %r" % msg)
    return ws, msg["hello"]["sessionid"]


async def pair(args):
    a, sa = await hello(args.urls[0], args.secret)
    b, sb = await hello(args.urls[1], args.secret)
    for ws in (a, b):
        await ws.send(json.dumps({"id": "j", "type": "room", "room": {"roomid": "smoke", "sessionid": ""}}))
        reply = await recv_until(ws, lambda m: m.get("id") == "j", "room reply")
        if reply.get("type") != "room" or reply["room"].get("roomid") != "smoke":
            raise SystemExit("join failed: %r" % reply)
    await a.send(json.dumps({"type": "message", "message": {
        "recipient": {"type": "session", "sessionid": sb}, "data": {"hi": "b"}}}))
    got = await recv_until(b, lambda m: m.get("type") == "message", "session message")
    if got["message"]["sender"]["sessionid"] != sa or got["message"]["data"] != {"hi": "b"}:
        raise SystemExit("bad message: %r" % got)
    await b.send(json.dumps({"type": "message", "message": {"recipient": {"type": "room"}, "data": {"hi": "room"}}}))
    got = await recv_until(a, lambda m: m.get("type") == "message", "room message")
    if got["message"]["sender"]["sessionid"] != sb:
        raise SystemExit("bad room message: %r" % got)
    for ws in (a, b):
        await ws.close()
    print("ok")


async def hold(args):
    ws, _ = await hello(args.urls[0], args.secret)
    try:
        await asyncio.wait_for(ws.wait_closed(), 30)
    except asyncio.TimeoutError:
        raise SystemExit("server never closed")
    print("closed %s" % ws.close_code)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--secret", required=True)
    parser.add_argument("command", choices=["pair", "hold"])
    parser.add_argument("urls", nargs="+")
    args = parser.parse_args()
    asyncio.run(pair(args) if args.command == "pair" else hold(args))


if __name__ == "__main__":
    sys.exit(main())
