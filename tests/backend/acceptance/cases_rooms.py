"""Joining and leaving rooms (spec 5, 6.1, 7.3, 12.4)."""

import secrets

from harness import case, check, check_eq, join_entry


def has(sid):
    return lambda entries: any(e.get("sessionid") == sid for e in entries)


@case()
async def join_room(env):
    room = env.room(users=("alice", "bob"), properties={"description": "x"})
    since = len(env.nc.requests)
    a = await env.user("alice")
    a.room_sid = "talk-sid-" + secrets.token_hex(4)
    msg = await a.join(room, a.room_sid)
    r = a.ok(msg, "room")
    check_eq(r["roomid"], room, "roomid")
    check_eq(r["properties"], env.nc.rooms[room].properties(), "properties passed through")
    joined = await a.expect_event("room", "join", has(a.sessionid))
    entry = [e for e in joined if e["sessionid"] == a.sessionid][0]
    check_eq(entry.get("userid"), "alice", "join entry userid")
    check_eq(entry.get("roomsessionid"), a.room_sid, "join entry roomsessionid")
    req = await env.nc.wait_request(lambda q: q.type == "room" and q.payload().get("roomid") == room,
                                    since=since)
    p = req.payload()
    check(req.checksum_ok, "room request checksum")
    check_eq((p["roomid"], p["userid"], p["sessionid"]), (room, "alice", a.room_sid),
             "backend room request")
    check("action" not in p, "join must not carry an action")


@case()
async def join_events_between_members(env):
    room = env.room(users=("alice", "bob"))
    a = await env.joined("alice", room)
    b = await env.joined("bob", room)
    await a.expect_event("room", "join", has(b.sessionid))
    # b learns about a (the list of the others), possibly in the same event as itself
    entry = await join_entry(b, a.sessionid)
    check_eq(entry.get("userid"), "alice", "existing member's entry")


@case()
async def join_without_room_sessionid(env):
    room = env.room(users=("alice",))
    since = len(env.nc.requests)
    a = await env.user("alice")
    a.ok(await a.join(room), "room")
    req = await env.nc.wait_request(lambda q: q.type == "room" and q.payload().get("roomid") == room,
                                    since=since)
    check_eq(req.payload().get("sessionid"), a.sessionid, "public id used as room session id")


@case()
async def join_unknown_room(env):
    a = await env.user("alice")
    msg = await a.join("nosuchroom" + secrets.token_hex(3), "sid1")
    check_eq(msg.get("type"), "error", "reply type")
    check_eq(msg["error"]["code"], "no_such_room", "forwarded backend error")


@case()
async def join_not_invited(env):
    room = env.room(users=("bob",))
    a = await env.user("alice")
    msg = await a.join(room, "sid1")
    check_eq(msg["error"]["code"], "no_such_room", "forwarded backend error")


@case()
async def join_backend_without_room(env):
    room = env.room(users=("alice",))
    env.nc.overrides["room"] = lambda p: {"type": "ping", "ping": {}} if p.get("roomid") == room else None
    try:
        a = await env.user("alice")
        msg = await a.join(room, "sid1")
        check_eq(msg["error"]["code"], "room_join_failed", "neither room nor error")
    finally:
        env.nc.overrides.pop("room", None)


@case()
async def join_twice(env):
    room = env.room(users=("alice",))
    a = await env.joined("alice", room)
    msg = await a.join(room, a.room_sid)
    check_eq(msg.get("type"), "error", "second join reply")
    err = msg["error"]
    check_eq(err["code"], "already_joined", "error code")
    check_eq(err.get("details", {}).get("room", {}).get("roomid"), room, "details.room.roomid")


@case()
async def change_room(env):
    r1 = env.room(users=("alice", "bob"))
    r2 = env.room(users=("alice",))
    a = await env.joined("alice", r1)
    b = await env.joined("bob", r1)
    await a.expect_event("room", "join", has(b.sessionid))
    since = len(env.nc.requests)
    await env.join(a, r2)
    left = await b.expect_event("room", "leave", lambda l: a.sessionid in l)
    check(a.sessionid in left, "leave event")
    await env.nc.wait_request(lambda q: q.type == "room" and q.payload().get("roomid") == r1
                              and q.payload().get("action") == "leave", since=since)


@case()
async def leave_room(env):
    room = env.room(users=("alice", "bob"))
    a = await env.joined("alice", room)
    b = await env.joined("bob", room)
    await a.expect_event("room", "join", has(b.sessionid))
    since = len(env.nc.requests)
    rid = await a.leave()
    msg = await a.expect_response(rid)
    check_eq(a.ok(msg, "room")["roomid"], "", "leave reply")
    await b.expect_event("room", "leave", lambda l: a.sessionid in l)
    req = await env.nc.wait_request(lambda q: q.type == "room" and q.payload().get("action") == "leave"
                                    and q.payload().get("roomid") == room, since=since)
    check_eq(req.payload().get("sessionid"), a.room_sid, "leave names the Talk session id")


@case()
async def disconnect_leaves_room(env):
    room = env.room(users=("alice", "bob"))
    a = await env.joined("alice", room)
    b = await env.joined("bob", room)
    await a.expect_event("room", "join", has(b.sessionid))
    await a.bye()
    await b.expect_event("room", "leave", lambda l: a.sessionid in l)


@case()
async def guest_join_public_room(env):
    room = env.room(users=("alice",), type=3)
    g = await env.guest()
    await env.join(g, room)


@case()
async def guest_join_private_room(env):
    room = env.room(users=("alice",), type=2)
    g = await env.guest()
    msg = await g.join(room, "gsid")
    check_eq(msg["error"]["code"], "no_such_room", "guest in a group conversation")


@case(slow=True)
async def anonymous_join_timeout(env):
    g = await env.guest()
    bye = await g.expect("bye", timeout=16)
    check_eq(bye["bye"].get("reason"), "room_join_timeout", "bye reason")
    await g.wait_closed()


@case(slow=True)
async def anonymous_join_in_time_stays(env):
    room = env.room(users=(), type=3)
    g = await env.guest()
    await env.join(g, room)
    # past the 10 s join timeout: a joined guest keeps its session
    await g.expect_none("bye", wait=12)
    check(not g.closed.is_set(), "joined guest was disconnected")


@case()
async def room_session_reconnected(env):
    room = env.room(users=("alice",))
    a = await env.joined("alice", room, rsid="same-talk-sid-" + secrets.token_hex(3))
    a2 = await env.user("alice")
    await env.join(a2, room, rsid=a.room_sid)
    bye = await a.expect("bye")
    check_eq(bye["bye"].get("reason"), "room_session_reconnected", "bye reason")


@case()
async def backends_are_isolated(env):
    token = "r" + secrets.token_hex(5)
    env.nc.add_room(token, participants={"alice": None})
    env.nc2.add_room(token, participants={"alice": None})
    a1 = await env.joined("alice", token)
    a2 = await env.joined("alice", token, nc=env.nc2)
    await a1.to_room({"hello": "from nc1"})
    await a2.to_room({"hello": "from nc2"})
    # both rooms exist separately: nobody sees the other backend's session or message
    await env.nc.message(env.srv, token, {"type": "chat", "chat": {"refresh": True}})
    await a1.expect_event("room", "message")
    for c in (a1, a2):
        await c.expect_none(lambda m: m.get("type") == "message", wait=0.3)
        seen = [e["sessionid"] for m in c.received if m.get("type") == "event"
                and m["event"]["type"] == "join" for e in m["event"]["join"]]
        other = a2 if c is a1 else a1
        check(other.sessionid not in seen, "saw a session of the other backend")


@case()
async def initial_permissions_control(env):
    room = env.room(users={"alice": ["publish-media"], "bob": ["publish-media", "control"]})
    a = await env.joined("alice", room)
    b = await env.joined("bob", room)
    await a.expect_event("room", "join", has(b.sessionid))
    await a.to_session(b.sessionid, {"type": "mute", "audio": 1}, typ="control")
    await b.to_session(a.sessionid, {"type": "mute", "audio": 1}, typ="control")
    got = await a.expect_message(typ="control")
    check_eq(got["sender"]["sessionid"], b.sessionid, "control sender")
    # alice lacks `control`: bob gets nothing; a message sent afterwards arrives first
    await a.to_session(b.sessionid, {"marker": 1})
    await b.expect_message(lambda m: m.get("data") == {"marker": 1})
    check(not [m for m in b.received if m.get("type") == "control"],
          "control without permission was delivered")


@case()
async def initial_permissions_transient(env):
    room = env.room(users={"alice": ["publish-media"]})
    a = await env.joined("alice", room)
    rid = await a.transient_set("k", {"v": 1})
    await a.expect_error(rid, "not_allowed")
