"""Cases that only make sense across two nodes (run with --cluster). All other cases also
run in cluster mode, with consecutive clients of a case on alternating nodes."""

from harness import case, check_eq
from cases_rooms import has


@case(single=False)
async def cluster_resume_on_other_node(env):
    room = env.room(users=("alice", "bob"))
    a = await env.joined("alice", room, node=0)
    b = await env.joined("bob", room, node=0)
    await a.expect_event("room", "join", has(b.sessionid))
    await a.abort()
    await b.to_session(a.sessionid, {"queued": 1})
    c = await env.connect("resumed", node=1)
    c.ok(await c.resume(a.resumeid), "hello")
    check_eq(c.hello["sessionid"], a.sessionid, "resumed public id")
    m = await c.expect_message(lambda m: m["data"] == {"queued": 1})
    check_eq(m["sender"]["sessionid"], b.sessionid, "queued message after resume elsewhere")


@case(single=False)
async def cluster_messages_both_ways(env):
    room = env.room(users=("alice", "bob"))
    a = await env.joined("alice", room, node=0)
    b = await env.joined("bob", room, node=1)
    await a.expect_event("room", "join", has(b.sessionid))
    await a.to_session(b.sessionid, {"n": 1})
    await b.to_session(a.sessionid, {"n": 2})
    await a.to_user("bob", {"n": 3})
    await b.to_room({"n": 4})
    check_eq((await b.expect_message(lambda m: m["data"] == {"n": 1}))["sender"]["sessionid"],
             a.sessionid, "session message 0->1")
    await a.expect_message(lambda m: m["data"] == {"n": 2})
    await b.expect_message(lambda m: m["data"] == {"n": 3})
    await a.expect_message(lambda m: m["data"] == {"n": 4})


@case(single=False)
async def cluster_leave_event_other_node(env):
    room = env.room(users=("alice", "bob"))
    a = await env.joined("alice", room, node=0)
    b = await env.joined("bob", room, node=1)
    await a.expect_event("room", "join", has(b.sessionid))
    await b.bye()
    await a.expect_event("room", "leave", lambda l: b.sessionid in l)


@case(single=False)
async def cluster_backend_request_other_node(env):
    room = env.room(users=("alice", "bob"))
    a = await env.joined("alice", room, node=1)
    st, _, _ = await env.nc.message(env.nodes[0].http_url, room, {"type": "chat", "chat": {"refresh": True}})
    check_eq(st, 200, "status")
    await a.expect_event("room", "message")
