#!/usr/bin/env python3
"""Listens on loopback UDP ports and appends each datagram to OUT as a record: 2-byte big-endian
length, then the datagram. Stops after COUNT datagrams per port or TIMEOUT seconds.
Usage: udp-capture.py TIMEOUT COUNT PORT:OUT [PORT:OUT ...]"""
import select, socket, struct, sys, time

timeout, count = float(sys.argv[1]), int(sys.argv[2])
socks = {}
for spec in sys.argv[3:]:
    port, out = spec.split(':', 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('127.0.0.1', int(port)))
    socks[s] = [open(out, 'wb'), 0]
deadline = time.time() + timeout
while time.time() < deadline and any(n < count for _, n in socks.values()):
    ready, _, _ = select.select(list(socks), [], [], 0.2)
    for s in ready:
        data = s.recv(65536)
        entry = socks[s]
        if entry[1] < count:
            entry[0].write(struct.pack('>H', len(data)) + data)
            entry[1] += 1
for f, n in socks.values():
    f.close()
    print(f.name, n)
