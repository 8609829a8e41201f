"""Messages and control to every recipient type (spec 7)."""

from harness import case, check, check_eq
from cases_rooms import has


async def pair(env, users=("alice", "bob")):
    room = env.room(users=users)
    cs = []
    for u in users:
        cs.append(await env.joined(u, room))
    for c in cs[:-1]:
        for o in cs[cs.index(c) + 1:]:
            await c.expect_event("room", "join", has(o.sessionid))
    return room, cs


@case()
async def message_to_session(env):
    _, (a, b) = await pair(env)
    await a.to_session(b.sessionid, {"type": "offer", "x": [1, 2]})
    m = await b.expect_message()
    check_eq(m["data"], {"type": "offer", "x": [1, 2]}, "data")
    check_eq(m["sender"], {"type": "session", "sessionid": a.sessionid, "userid": "alice"}, "sender")


@case()
async def message_to_session_without_room(env):
    a = await env.user("alice")
    b = await env.user("bob")
    await a.to_session(b.sessionid, {"ping": 1})
    m = await b.expect_message()
    check_eq(m["data"], {"ping": 1}, "data")


@case()
async def message_to_user(env):
    room = env.room(users=("alice", "bob"))
    a = await env.joined("alice", room)
    b1 = await env.user("bob")
    b2 = await env.user("bob")
    await a.to_user("bob", {"for": "bob"})
    for b in (b1, b2):
        m = await b.expect_message()
        check_eq(m["data"], {"for": "bob"}, "data")
        check_eq(m["sender"]["type"], "user", "sender type")


@case()
async def message_to_own_user_not_echoed(env):
    a1 = await env.user("alice")
    a2 = await env.user("alice")
    b = await env.user("bob")
    await a1.to_user("alice", {"self": 1})
    await a1.to_session(b.sessionid, {"marker": 1})
    await b.expect_message()
    await a2.to_session(b.sessionid, {"marker": 2})
    await b.expect_message()
    for c in (a1, a2):
        check(not [m for m in c.received if m.get("type") == "message"], "message to own user delivered")


@case()
async def message_to_room(env):
    _, (a, b, c) = await pair(env, ("alice", "bob", "carol"))
    await a.to_room({"all": 1})
    for x in (b, c):
        m = await x.expect_message()
        check_eq(m["sender"]["type"], "room", "sender type")
        check_eq(m["data"], {"all": 1}, "data")
    await b.to_session(a.sessionid, {"marker": 1})
    await a.expect_message(lambda m: m["data"] == {"marker": 1})
    check(not [m for m in a.received if m.get("type") == "message" and m["message"]["data"] == {"all": 1}],
          "room message echoed to sender")


@case()
async def message_to_room_not_in_room(env):
    a = await env.user("alice")
    _, (b, c) = await pair(env, ("bob", "carol"))
    await a.to_room({"lost": 1})
    await c.to_session(b.sessionid, {"marker": 1})
    await b.expect_message(lambda m: m["data"] == {"marker": 1})
    check(not [m for m in b.received if m.get("type") == "message" and m["message"]["data"] == {"lost": 1}],
          "room message without room delivered")


@case()
async def message_to_call(env):
    room, (a, b, c) = await pair(env, ("alice", "bob", "carol"))
    users = [{"sessionId": a.room_sid, "inCall": 7, "userId": "alice"},
             {"sessionId": b.room_sid, "inCall": 7, "userId": "bob"},
             {"sessionId": c.room_sid, "inCall": 0, "userId": "carol"}]
    st, _, body = await env.nc.incall(env.srv, room, 7, changed=users[:2], users=users)
    check_eq(st, 200, "incall status")
    for x in (a, b, c):
        await x.expect_event("participants", "update")
    await a.to_call({"call": 1})
    m = await b.expect_message()
    check_eq(m["data"], {"call": 1}, "data")
    check_eq(m["sender"]["type"], "call", "sender type")
    await b.to_session(c.sessionid, {"marker": 1})
    await c.expect_message(lambda m: m["data"] == {"marker": 1})
    check(not [m for m in c.received if m.get("type") == "message" and m["message"]["data"] == {"call": 1}],
          "call message delivered to a session not in the call")


@case()
async def message_to_own_session_dropped(env):
    _, (a, b) = await pair(env)
    await a.to_session(a.sessionid, {"self": 1})
    await b.to_session(a.sessionid, {"marker": 1})
    await a.expect_message(lambda m: m["data"] == {"marker": 1})
    check(not [m for m in a.received if m.get("type") == "message" and m["message"]["data"] == {"self": 1}],
          "message to own session delivered")


@case()
async def message_other_backend_dropped(env):
    a = await env.user("alice")
    b = await env.user("bob", nc=env.nc2)
    b2 = await env.user("bob")
    await a.to_session(b.sessionid, {"cross": 1})
    await a.to_user("bob", {"user": 1})
    await b2.expect_message(lambda m: m["data"] == {"user": 1})
    await b2.to_session(b.sessionid, {"marker": 1})
    await b.expect_none(lambda m: m.get("type") == "message", wait=0.5)


@case()
async def message_bad_recipient(env):
    a = await env.user("alice")
    rid = await a.message({"type": "nonsense"}, {"x": 1})
    await a.expect_error(rid, "invalid_format")
    rid = await a.message({"type": "session"}, {"x": 1})
    await a.expect_error(rid, "invalid_format")


@case()
async def message_empty_data(env):
    a = await env.user("alice")
    b = await env.user("bob")
    rid = await a.request("message", {"recipient": {"type": "session", "sessionid": b.sessionid}})
    await a.expect_error(rid, "invalid_format")


@case()
async def control_to_session(env):
    _, (a, b) = await pair(env)
    await a.to_session(b.sessionid, {"type": "hangup"}, typ="control")
    m = await b.expect_message(typ="control")
    check_eq(m["data"], {"type": "hangup"}, "control data")
    check_eq(m["sender"]["sessionid"], a.sessionid, "sender")


@case()
async def control_from_internal(env):
    room = env.room(users=("alice",), permissions=["publish-media"])
    a = await env.joined("alice", room)
    i = await env.internal()
    await env.join(i, room)
    await i.to_session(a.sessionid, {"type": "mute", "audio": 1}, typ="control")
    m = await a.expect_message(typ="control")
    check_eq(m["data"]["type"], "mute", "control from internal client")
