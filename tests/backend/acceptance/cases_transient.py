"""Transient room data (spec 8)."""

from harness import case, check, check_eq
from cases_messages import pair


@case()
async def transient_set_remove(env):
    _, (a, b) = await pair(env)
    await a.transient_set("k", {"x": 1})
    for c in (a, b):
        t = await c.expect_transient("set")
        check_eq((t["key"], t["value"]), ("k", {"x": 1}), "set broadcast")
        check("oldvalue" not in t, "oldvalue on first set")
    await b.transient_set("k", {"x": 2})
    for c in (a, b):
        t = await c.expect_transient("set")
        check_eq((t["value"], t.get("oldvalue")), ({"x": 2}, {"x": 1}), "overwrite")
    await a.transient_remove("k")
    for c in (a, b):
        t = await c.expect_transient("remove")
        check_eq((t["key"], t.get("oldvalue")), ("k", {"x": 2}), "remove broadcast")


@case()
async def transient_same_value_not_broadcast(env):
    _, (a, b) = await pair(env)
    await a.transient_set("k", 1)
    await b.expect_transient("set")
    await a.transient_set("k", 1)
    await a.transient_set("marker", 2)
    t = await b.expect_transient("set")
    check_eq(t["key"], "marker", "identical value was broadcast again")


@case()
async def transient_null_removes(env):
    _, (a, b) = await pair(env)
    await a.transient_set("k", 1)
    await b.expect_transient("set")
    await a.request("transient", {"type": "set", "key": "k", "value": None})
    t = await b.expect_transient("remove")
    check_eq(t["key"], "k", "null value removes")


@case()
async def transient_not_in_room(env):
    a = await env.user("alice")
    rid = await a.transient_set("k", 1)
    await a.expect_error(rid, "not_in_room")


@case()
async def transient_unknown_type(env):
    _, (a, b) = await pair(env)
    rid = await a.request("transient", {"type": "frobnicate", "key": "k"})
    await a.expect_error(rid, "ignored")


@case()
async def transient_ttl(env):
    _, (a, b) = await pair(env)
    await a.transient_set("short", {"v": 1}, ttl=500_000_000)  # 0.5 s, in nanoseconds
    await b.expect_transient("set")
    t = await b.expect_transient("remove", timeout=5)
    check_eq((t["key"], t.get("oldvalue")), ("short", {"v": 1}), "expiry broadcast")


@case()
async def transient_initial(env):
    room, (a, b) = await pair(env)
    env.nc.rooms[room].participants["carol"] = None
    await a.transient_set("k1", {"v": 1})
    await a.transient_set("k2", "two")
    await b.expect_transient("set", lambda t: t["key"] == "k2")
    c = await env.user("carol")
    c.ok(await c.join(room, "carol-sid"), "room")
    data = {}
    while "k1" not in data or "k2" not in data:
        t = await c.expect_transient("initial")
        data.update(t["data"])
    check_eq((data["k1"], data["k2"]), ({"v": 1}, "two"), "initial data")


@case()
async def transient_lost_when_room_empty(env):
    room = env.room(users=("alice", "bob"))
    a = await env.joined("alice", room)
    await a.transient_set("k", 1)
    await a.expect_transient("set")
    await a.bye()
    b = await env.joined("bob", room)
    await b.transient_set("marker", 1)
    await b.expect_transient("set")
    check(not [m for m in b.received if m.get("type") == "transient"
               and m["transient"]["type"] == "initial"], "transient data survived an empty room")


@case()
async def transient_internal_always_allowed(env):
    room = env.room(users={"alice": ["publish-media"]})
    a = await env.joined("alice", room)
    i = await env.internal()
    await env.join(i, room)
    await i.transient_set("from-internal", 1)
    t = await a.expect_transient("set")
    check_eq(t["key"], "from-internal", "internal client write")
