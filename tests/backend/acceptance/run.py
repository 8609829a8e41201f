#!/usr/bin/python3
"""Runs the signaling acceptance cases against running servers.

The runner starts the emulated Nextclouds itself (in this process, so cases can inspect the
requests they received) on the ports given; the servers under test must be configured with
those backends (tests/integration/signaling-acceptance.sh does both).

One line per case: `ok NAME`, `FAIL NAME: reason`, `pending NAME (why)` for a case of
pending.py (talk-signaling only), or for --impl spreed `ok NAME (anchor
differs: ...)` when a case listed in ANCHOR_DIFFERENCES fails as documented; the last line
is `N passed, N failed`.
"""

import argparse
import asyncio
import fnmatch
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from nextcloud_emulator import NextcloudEmulator  # noqa: E402
import harness  # noqa: E402
import anchor  # noqa: E402
import pending  # noqa: E402
import cases_hello, cases_rooms, cases_messages, cases_backend, cases_transient  # noqa: E402,F401
import cases_internal, cases_features, cases_robustness, cases_cluster  # noqa: E402,F401


def parse(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--server", action="append", required=True,
                    help="WebSocket URL of a node, e.g. ws://127.0.0.1:8080/spreed (repeat for a cluster)")
    ap.add_argument("--backend", action="append", required=True, metavar="NAME:PORT:SECRET",
                    help="an emulated Nextcloud the server knows; NAME from harness.EMULATORS")
    ap.add_argument("--internal-secret", required=True)
    ap.add_argument("--impl", default="talk-signaling", choices=["talk-signaling", "spreed"])
    ap.add_argument("--anchor-version", default="1.2.4")
    ap.add_argument("--cluster", action="store_true", help="clients spread over the --server nodes")
    ap.add_argument("--only", action="append", help="glob of case names to run")
    ap.add_argument("--skip-slow", action="store_true")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--wait-servers", type=float, default=0, metavar="SECONDS",
                    help="wait up to this long for the servers to accept connections")
    ap.add_argument("--verbose", action="store_true")
    return ap.parse_args(argv)


def selected(args):
    out = []
    for c in harness.CASES:
        if args.cluster and not c["cluster"]:
            continue
        if not args.cluster and not c["single"]:
            continue
        if args.only and not any(fnmatch.fnmatch(c["name"], p) for p in args.only):
            continue
        if args.skip_slow and c["slow"]:
            continue
        out.append(c)
    # cases that may take a server down (found against the anchor) run after all others
    return [c for c in out if not c["last"]] + [c for c in out if c["last"]]


async def wait_listening(node, seconds):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        try:
            _, w = await asyncio.open_connection(node.host, node.port)
            w.close()
            return
        except OSError:
            if loop.time() >= deadline:
                return      # the cases will say what is wrong
            await asyncio.sleep(0.1)


async def main(args):
    emus = {}
    for spec in args.backend:
        name, port, secret = spec.split(":", 2)
        emus[name] = await NextcloudEmulator(secret, port=int(port), **harness.EMULATORS[name]).start()
    # one the server does not know
    emus["unknown"] = await NextcloudEmulator("unknown-secret").start()
    nodes = [harness.Node(u) for u in args.server]
    for n in nodes:
        await wait_listening(n, args.wait_servers)
    diffs = anchor.differences(args.anchor_version, args.cluster) if args.impl == "spreed" else {}
    todo = pending.pending(args.cluster) if args.impl == "talk-signaling" else {}
    waiting = 0
    passed = failed = 0
    for c in selected(args):
        env = harness.Env(nodes, emus, args.internal_secret, args.cluster)
        started = time.monotonic()
        try:
            await asyncio.wait_for(c["fn"](env), args.timeout)
            error = None
        except asyncio.TimeoutError:
            error = "case timed out after %ds" % args.timeout
        except Exception as e:  # noqa: BLE001 - a failing case, whatever it raised
            error = "%s: %s" % (type(e).__name__, e) if not isinstance(e, AssertionError) else str(e)
            if args.verbose:
                traceback.print_exc()
        finally:
            await env.cleanup()
        name = c["name"]
        took = " [%.1fs]" % (time.monotonic() - started) if args.verbose else ""
        if name in diffs:
            if error:
                passed += 1
                print("ok %s (anchor differs: %s; anchor: %s)%s" % (name, diffs[name], error[:200], took))
            else:
                failed += 1
                print("FAIL %s: listed as an anchor difference (%s) but the anchor passes%s"
                      % (name, diffs[name], took))
        elif name in todo:
            if error:
                waiting += 1
                print("pending %s (%s; now: %s)%s" % (name, todo[name], error[:200], took))
            else:
                failed += 1
                print("FAIL %s: listed as pending (%s) but passes: take it out of pending.py%s"
                      % (name, todo[name], took))
        elif error:
            failed += 1
            print("FAIL %s: %s%s" % (name, error.replace("\n", " ")[:600], took))
        else:
            passed += 1
            print("ok %s%s" % (name, took))
        sys.stdout.flush()
    for e in emus.values():
        await e.stop()
    if waiting:
        print("# %d pending (tests/backend/acceptance/pending.py)" % waiting)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    a = parse(sys.argv[1:])
    if a.list:
        for c in selected(a):
            print(c["name"])
        sys.exit(0)
    sys.exit(asyncio.run(main(a)))
