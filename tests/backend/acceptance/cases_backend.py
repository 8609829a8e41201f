"""Nextcloud -> signaling: POST /api/v1/room/{id} (spec 13) and the periodic ping (12.5)."""

import asyncio
import json

from harness import case, check, check_eq
from cases_messages import pair
from nextcloud_emulator import checksum, new_random


def talk_features(headers):
    return [f.strip() for f in headers.get("x-spreed-signaling-features", "").split(",")]


@case()
async def backend_request_ok(env):
    room = env.room()
    st, headers, body = await env.nc.update(env.srv, room, properties={"name": "x"})
    check_eq(st, 200, "status")
    check(headers.get("content-type", "").startswith("application/json"), "content type")
    check_eq(json.loads(body), {}, "body")
    check("incall-all" in talk_features(headers), "features header on the room API response")


@case()
async def backend_wrong_checksum(env):
    room = env.room()
    st, _, _ = await env.nc.post_room(env.srv, room, {"type": "update", "update": {}},
                                      secret="not-the-secret")
    check_eq(st, 403, "status")


@case()
async def backend_missing_checksum_headers(env):
    room = env.room()
    for omit in (["Spreed-Signaling-Checksum"], ["Spreed-Signaling-Random"]):
        st, _, _ = await env.nc.post_room(env.srv, room, {"type": "update", "update": {}},
                                          omit_headers=omit)
        check_eq(st, 403, "status without " + omit[0])


@case()
async def backend_unknown_backend_header(env):
    room = env.room()
    st, _, _ = await env.nc.post_room(env.srv, room, {"type": "update", "update": {}},
                                      backend=env.nc_unknown.base_url)
    check_eq(st, 403, "status")


@case()
async def backend_other_backends_secret(env):
    # the checksum of backend 2 does not authenticate a request naming backend 1
    room = env.room()
    st, _, _ = await env.nc.post_room(env.srv, room, {"type": "update", "update": {}},
                                      secret=env.nc2.secret)
    check_eq(st, 403, "status")


@case()
async def backend_without_backend_header(env):
    room = env.room()
    st, _, _ = await env.nc.post_room(env.srv, room, {"type": "update", "update": {}},
                                      backend=False)
    check_eq(st, 200, "first backend whose secret validates")


@case()
async def backend_wrong_content_type(env):
    room = env.room()
    st, _, _ = await env.nc.post_room(env.srv, room, {"type": "update", "update": {}},
                                      content_type="text/plain")
    check_eq(st, 400, "status")


@case()
async def backend_bad_json(env):
    room = env.room()
    st, _, _ = await env.nc.post_room(env.srv, room, None, raw=b'{"type": "upd')
    check_eq(st, 400, "status")


@case()
async def backend_unknown_type(env):
    room = env.room()
    st, _, body = await env.nc.post_room(env.srv, room, {"type": "frobnicate", "frobnicate": {}})
    check_eq(st, 400, "status")


@case()
async def backend_transient_type_rejected(env):
    room = env.room()
    st, _, _ = await env.nc.post_room(env.srv, room, {"type": "transient", "transient": {
        "action": "set", "key": "k", "value": 1}})
    check_eq(st, 400, "status")


def raw_post(env, path, headers, body, chunked=False):
    s = env.raw_socket()
    try:
        head = "POST %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n" % (
            path, env.nodes[0].host, env.nodes[0].port)
        for k, v in headers.items():
            head += "%s: %s\r\n" % (k, v)
        if chunked:
            head += "Transfer-Encoding: chunked\r\n\r\n"
            data = head.encode() + b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"
        else:
            head += "Content-Length: %d\r\n\r\n" % len(body)
            data = head.encode() + body
        s.sendall(data)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
        return int(out.split(b" ", 2)[1])
    finally:
        s.close()


@case()
async def backend_missing_content_length(env):
    room = env.room()
    body = json.dumps({"type": "update", "update": {}}).encode()
    rnd = new_random()
    st = await asyncio.to_thread(raw_post, env, "/api/v1/room/" + room, {
        "Content-Type": "application/json", "Spreed-Signaling-Random": rnd,
        "Spreed-Signaling-Checksum": checksum(env.nc.secret, rnd, body),
        "Spreed-Signaling-Backend": env.nc.base_url}, body, chunked=True)
    check_eq(st, 411, "status")


@case()
async def backend_body_too_large(env):
    room = env.room()
    body = json.dumps({"type": "update", "update": {"properties": {"pad": "x" * (300 * 1024)}}}).encode()
    st, _, _ = await env.nc.post_room(env.srv, room, None, raw=body)
    check_eq(st, 413, "status")


@case()
async def backend_invite(env):
    room = env.room(users=("alice", "bob"))
    a = await env.user("alice")
    b = await env.user("bob")
    props = {"name": "Team", "type": 2}
    st, _, _ = await env.nc.invite(env.srv, room, ["bob"], ["alice", "bob"], properties=props)
    check_eq(st, 200, "status")
    inv = await b.expect_event("roomlist", "invite")
    check_eq(inv, {"roomid": room, "properties": props}, "invite payload")
    upd = await a.expect_event("roomlist", "update")
    check_eq(upd, {"roomid": room, "properties": props}, "update payload")


@case()
async def backend_disinvite(env):
    room, (a, b) = await pair(env)
    c = await env.user("bob")   # another bob session, not in the room
    st, _, _ = await env.nc.disinvite(env.srv, room, userids=["bob"], alluserids=["alice"],
                                      properties={"name": "x"})
    check_eq(st, 200, "status")
    d = await b.expect_event("roomlist", "disinvite")
    check_eq(d, {"roomid": room, "reason": "disinvited"}, "disinvite payload")
    await c.expect_event("roomlist", "disinvite")
    await b.wait_closed()       # b was in that room: disconnected
    await a.expect_event("roomlist", "update")
    check(not c.closed.is_set(), "session outside the room was disconnected")


@case()
async def backend_disinvite_session(env):
    room = env.room(users=("alice",), type=3)
    a = await env.joined("alice", room)
    g = await env.guest()
    await env.join(g, room)
    st, _, _ = await env.nc.disinvite(env.srv, room, sessionids=[g.room_sid])
    check_eq(st, 200, "status")
    await g.expect_event("roomlist", "disinvite")
    await g.wait_closed()
    await a.expect_event("room", "leave", lambda l: g.sessionid in l)


@case()
async def backend_update(env):
    room, (a, b) = await pair(env)
    c = await env.user("carol")
    props = {"name": "Renamed", "type": 2}
    st, _, _ = await env.nc.update(env.srv, room, userids=["carol"], properties=props)
    check_eq(st, 200, "status")
    for x in (a, b):
        m = await x.expect(lambda m: m.get("type") == "room" and "id" not in m)
        check_eq(m["room"], {"roomid": room, "properties": props}, "room update")
    u = await c.expect_event("roomlist", "update")
    check_eq(u["roomid"], room, "roomlist update")


@case()
async def backend_delete(env):
    room, (a, b) = await pair(env)
    i = await env.internal()
    await env.join(i, room)
    st, _, _ = await env.nc.delete(env.srv, room, userids=["alice", "bob"])
    check_eq(st, 200, "status")
    await i.expect_event("room", "delete")
    for x in (a, b):
        d = await x.expect_event("roomlist", "disinvite")
        check_eq(d.get("reason"), "deleted", "reason")
        # the member leaves the room: a `room` with empty id, or the session is closed
        # because it was disinvited from the room it is in (spec 6.2)
        left = [m for m in x.received if m.get("type") == "room" and "id" not in m
                and m["room"].get("roomid") == ""]
        if not left:
            await x.wait_closed()


@case()
async def backend_participants(env):
    room, (a, b) = await pair(env)
    users = [{"sessionId": a.room_sid, "inCall": 0, "participantType": 1, "userId": "alice",
              "permissions": ["publish-media"], "participantPermissions": 1},
             {"sessionId": b.room_sid, "inCall": 0, "participantType": 3, "userId": "bob"},
             {"sessionId": "0", "inCall": 0, "userId": "dave"}]
    st, _, _ = await env.nc.participants(env.srv, room, changed=users[:1], users=users)
    check_eq(st, 200, "status")
    for x in (a, b):
        u = await x.expect_event("participants", "update")
        check_eq(u["roomid"], room, "roomid")
        ids = [e.get("sessionId") for e in u["users"]]
        check(a.sessionid in ids and b.sessionid in ids, "Talk ids translated: %s" % ids)
        check(a.room_sid not in ids, "Talk session id leaked")
        check(all("permissions" not in e for e in u["users"]), "permissions not stripped")


@case()
async def backend_participants_permissions(env):
    room, (a, b) = await pair(env)
    # bob loses `control` via a participants update (permissions of a changed entry)
    env.nc.rooms[room].participants["bob"] = ["publish-media", "control"]
    await b.to_session(a.sessionid, {"type": "mute"}, typ="control")
    await a.expect_message(typ="control")
    changed = [{"sessionId": b.room_sid, "inCall": 0, "userId": "bob", "permissions": ["publish-media"]}]
    await env.nc.participants(env.srv, room, changed=changed)
    await b.expect_event("participants", "update")
    await b.to_session(a.sessionid, {"type": "mute2"}, typ="control")
    await b.to_session(a.sessionid, {"marker": 1})
    await a.expect_message(lambda m: m["data"] == {"marker": 1})
    check(not [m for m in a.received if m.get("type") == "control"
               and m["control"]["data"] == {"type": "mute2"}], "control after losing permission")


@case()
async def backend_incall(env):
    room, (a, b) = await pair(env)
    changed = [{"sessionId": a.room_sid, "inCall": 7, "userId": "alice"}]
    st, _, _ = await env.nc.incall(env.srv, room, 7, changed=changed,
                                   users=changed + [{"sessionId": b.room_sid, "inCall": 0}])
    check_eq(st, 200, "status")
    for x in (a, b):
        u = await x.expect_event("participants", "update")
        mine = [e for e in u["users"] if e.get("sessionId") == a.sessionid]
        check(mine and mine[0]["inCall"] == 7, "in-call entry: %s" % u)


@case()
async def backend_incall_all(env):
    room, (a, b) = await pair(env)
    users = [{"sessionId": a.room_sid, "inCall": 7}, {"sessionId": b.room_sid, "inCall": 7}]
    await env.nc.incall(env.srv, room, 7, changed=users, users=users)
    for x in (a, b):
        await x.expect_event("participants", "update")
    st, _, _ = await env.nc.incall(env.srv, room, 0, all=True)
    check_eq(st, 200, "status")
    for x in (a, b):
        u = await x.expect_event("participants", "update", lambda u: u.get("all"))
        check_eq(u, {"roomid": room, "incall": 0, "all": True}, "all update")


@case()
async def backend_message(env):
    room, (a, b) = await pair(env)
    data = {"type": "chat", "chat": {"refresh": True}}
    st, _, _ = await env.nc.message(env.srv, room, data)
    check_eq(st, 200, "status")
    for x in (a, b):
        m = await x.expect_event("room", "message")
        check_eq(m, {"roomid": room, "data": data}, "room message")


@case()
async def backend_switchto_list(env):
    room, (a, b) = await pair(env)
    st, _, _ = await env.nc.switchto(env.srv, room, "breakout-1", [a.room_sid])
    check_eq(st, 200, "status")
    s = await a.expect_event("room", "switchto")
    check_eq(s, {"roomid": "breakout-1"}, "switchto payload")
    await b.to_session(a.sessionid, {"marker": 1})
    await a.expect_message(lambda m: m["data"] == {"marker": 1})
    check(not [m for m in b.received if m.get("type") == "event" and m["event"]["type"] == "switchto"],
          "switchto delivered to a session not named")


@case()
async def backend_switchto_map(env):
    room, (a, b) = await pair(env)
    st, _, _ = await env.nc.switchto(env.srv, room, "breakout-2",
                                     {a.room_sid: {"reason": "moved"}, b.room_sid: None})
    check_eq(st, 200, "status")
    check_eq(await a.expect_event("room", "switchto"),
             {"roomid": "breakout-2", "details": {"reason": "moved"}}, "with details")
    check_eq(await b.expect_event("room", "switchto"), {"roomid": "breakout-2"}, "without details")


@case(slow=True)
async def backend_ping(env):
    room, (a, b) = await pair(env)
    req = await env.nc.wait_request(
        lambda r: r.type == "ping" and any(e.get("sessionid") == a.room_sid
                                           for e in r.payload().get("entries", [])), timeout=15)
    check(req.checksum_ok, "ping checksum")
    entries = req.payload()["entries"]
    mine = [e for e in entries if e.get("sessionid") == a.room_sid][0]
    check_eq(mine.get("userid"), "alice", "ping entry userid")
