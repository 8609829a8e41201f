"""Internal clients: virtual sessions, in-call, dialout; session limits (spec 9, 3.3, 13.10)."""

import asyncio
import json
import secrets

from harness import case, check, check_eq
from cases_rooms import has


async def internal_in_room(env, users=("alice",), features=None):
    room = env.room(users=users)
    a = await env.joined(users[0], room)
    i = await env.internal(features=features)
    await env.join(i, room)
    await a.expect_event("room", "join", has(i.sessionid))
    return room, a, i


def virtual(room, sid="call-4711", **kw):
    p = {"sessionid": sid, "roomid": room, "userid": "",
         "user": {"displayname": "+49 30 1234", "type": "phone"}, "flags": 1}
    p.update(kw)
    return p


@case()
async def internal_join_any_room(env):
    room = env.room(users=())
    since = len(env.nc.requests)
    i = await env.internal()
    await env.join(i, room)
    check(not [r for r in env.nc.requests[since:] if r.type == "room" and r.payload().get("roomid") == room],
          "internal join asked the backend")


@case()
async def virtual_session_add(env):
    room, a, i = await internal_in_room(env)
    since = len(env.nc.requests)
    await i.internal("addsession", virtual(room))
    joined = await a.expect_event("room", "join", lambda j: any(e.get("sessionid") not in
                                                                (a.sessionid, i.sessionid) for e in j))
    v = [e for e in joined if e["sessionid"] not in (a.sessionid, i.sessionid)][0]
    check_eq(v.get("user", {}).get("displayname"), "+49 30 1234", "virtual user data")
    fl = await a.expect_event("participants", "flags")
    check_eq((fl["sessionid"], fl["flags"]), (v["sessionid"], 1), "flags event")
    u = await a.expect_event("participants", "update",
                             lambda u: any(e.get("virtual") for e in u.get("users", [])))
    ent = [e for e in u["users"] if e.get("virtual")][0]
    check_eq(ent["sessionId"], v["sessionid"], "virtual entry id")
    check_eq(ent["inCall"], 9, "default in-call of a virtual session")
    req = await env.nc.wait_request(lambda r: r.type == "session" and r.payload().get("roomid") == room,
                                    since=since)
    p = req.payload()
    check_eq((p["action"], p["roomid"], p["sessionid"]), ("add", room, v["sessionid"]),
             "backend session add")
    a.virtual_id = v["sessionid"]


@case()
async def virtual_session_with_actor(env):
    room, a, i = await internal_in_room(env)
    since = len(env.nc.requests)
    await i.internal("addsession", virtual(room, options={"actorId": "p1", "actorType": "phones"}))
    req = await env.nc.wait_request(lambda r: r.type == "room" and r.payload().get("roomid") == room
                                    and "actorid" in r.payload(), since=since)
    p = req.payload()
    check_eq((p.get("actorid"), p.get("actortype")), ("p1", "phones"), "actor of the room request")


@case()
async def virtual_session_update_flags(env):
    room, a, i = await internal_in_room(env)
    await i.internal("addsession", virtual(room))
    await a.expect_event("participants", "flags")
    await i.internal("updatesession", {"sessionid": "call-4711", "roomid": room, "flags": 2})
    fl = await a.expect_event("participants", "flags")
    check_eq(fl["flags"], 2, "updated flags")


@case()
async def virtual_session_remove(env):
    room, a, i = await internal_in_room(env)
    since = len(env.nc.requests)
    await i.internal("addsession", virtual(room))
    fl = await a.expect_event("participants", "flags")
    await i.internal("removesession", {"sessionid": "call-4711", "roomid": room, "userid": ""})
    await a.expect_event("room", "leave", lambda l: fl["sessionid"] in l)
    await env.nc.wait_request(lambda r: r.type == "session" and r.payload().get("action") == "remove"
                              and r.payload().get("roomid") == room, since=since)


@case()
async def virtual_session_dies_with_owner(env):
    room, a, i = await internal_in_room(env)
    await i.internal("addsession", virtual(room))
    fl = await a.expect_event("participants", "flags")
    await i.bye()
    await a.expect_event("room", "leave", lambda l: fl["sessionid"] in l)


@case()
async def message_to_virtual_session(env):
    room, a, i = await internal_in_room(env)
    await i.internal("addsession", virtual(room))
    fl = await a.expect_event("participants", "flags")
    await a.to_session(fl["sessionid"], {"type": "dtmf", "digit": "5"}, typ="control")
    m = await i.expect_message(typ="control")
    check_eq(m["data"], {"type": "dtmf", "digit": "5"}, "data")
    check_eq(m.get("recipient", {}).get("sessionid"), "call-4711", "recipient = client-chosen id")


@case()
async def internal_incall(env):
    room, a, i = await internal_in_room(env, features=["internal-incall"])
    await i.internal("incall", {"incall": 3})
    u = await a.expect_event("participants", "update",
                             lambda u: any(e.get("internal") and e.get("inCall") == 3
                                           for e in u.get("users", [])))
    ent = [e for e in u["users"] if e.get("internal")][0]
    check_eq((ent["sessionId"], ent["inCall"]), (i.sessionid, 3), "internal entry")


@case()
async def internal_message_from_client_ignored(env):
    room = env.room(users=("alice", "bob"))
    a = await env.joined("alice", room)
    b = await env.joined("bob", room)
    await a.internal("addsession", virtual(room, sid="fake"))
    await a.to_session(b.sessionid, {"marker": 1})
    await b.expect_message(lambda m: m["data"] == {"marker": 1})
    check(not [m for m in b.received if m.get("type") == "event" and m["event"]["type"] == "join"
               and any(e["sessionid"] not in (a.sessionid, b.sessionid) for e in m["event"]["join"])],
          "client created a virtual session")


# ---- dialout (spec 9.5, 13.10)

@case(cluster=False)
async def dialout_accepted(env):
    room = str(10 ** 8 + secrets.randbelow(10 ** 8))
    bridge = await env.internal(features=["start-dialout"], name="sip")
    task = asyncio.create_task(env.nc.dialout(env.srv, room, "+491701234567",
                                              {"actorType": "phones", "actorId": "p1"}))
    req = await bridge.expect(lambda m: m.get("type") == "internal"
                              and m["internal"].get("type") == "dialout")
    d = req["internal"]["dialout"]
    check_eq(d["roomid"], room, "dialout roomid")
    check_eq(d["request"]["number"], "+491701234567", "number")
    check(d.get("backend", "").startswith(env.nc.base_url.rstrip("/")), "backend url: %s" % d)
    await bridge.send({"id": req["id"], "type": "internal", "internal": {"type": "dialout", "dialout": {
        "type": "status", "status": {"callid": "c-99", "status": "accepted"}}}})
    st, _, body = await task
    check_eq(st, 200, "status")
    check_eq(json.loads(body), {"type": "dialout", "dialout": {"callid": "c-99"}}, "body")


@case(cluster=False)
async def dialout_no_client(env):
    st, _, body = await env.nc.dialout(env.srv, "12345", "+491701234567")
    check_eq(st, 404, "status")
    check_eq(json.loads(body)["dialout"]["error"]["code"], "no_client_available", "code")


@case()
async def dialout_invalid_number(env):
    st, _, body = await env.nc.dialout(env.srv, "12345", "0301234")
    check_eq(st, 400, "status")
    check_eq(json.loads(body)["dialout"]["error"]["code"], "invalid_number", "code")


@case()
async def dialout_invalid_roomid(env):
    st, _, body = await env.nc.dialout(env.srv, "abc", "+491701234567")
    check_eq(st, 400, "status")
    check_eq(json.loads(body)["dialout"]["error"]["code"], "invalid_roomid", "code")


# ---- session limit (backend nclimit has sessionlimit = 2)

@case()
async def session_limit(env):
    nc = env.nc_limit
    a = await env.user("alice", nc=nc)
    b = await env.user("bob", nc=nc)
    i = await env.internal(nc=nc)       # internal sessions do not count
    c = await env.connect("third")
    nc.add_user("carol")
    msg = await c.hello_v1(nc.backend_url, "carol", nc.ticket("carol"))
    check_eq(msg.get("type"), "error", "third session")
    check_eq(msg["error"]["code"], "session_limit_exceeded", "error code")
    await a.bye()
    d = await env.connect("after-bye")
    d.ok(await d.hello_v1(nc.backend_url, "carol", nc.ticket("carol")), "hello")
    del b, i
