#!/usr/bin/env python3
"""A burst of simultaneous new connections against a running server: how long each takes to be answered.

    bench/connection_burst.py [--port 8000] [--connections 64] [--rounds 5] [--path /healthz]

Each round starts --connections non-blocking connects back to back (microseconds apart), sends one
`GET <path>` on each as it connects and reads the answers. Printed per round: the slowest connect, the median and slowest
whole exchange, and how many exchanges took longer than 0.9 s -- the signature of a SYN dropped by a full
listen backlog and retransmitted a second later (cpp-httplib 0.11 listens with a backlog of 5; `iris serve`
raises it to SOMAXCONN, api/http_server.cc). Standard library only; loopback only. Not a timed test.
"""
import argparse
import errno
import selectors
import socket
import statistics
import time


def burst(port, path, count):
    """Starts `count` non-blocking connects back to back (microseconds apart: truly simultaneous SYNs, which
    threads under the GIL are not), then serves them all from one selector. Returns, per connection,
    (seconds to connect or None, seconds to the whole answer, answered 200)."""
    request = ("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path).encode()
    selector = selectors.DefaultSelector()
    state = {}
    start = time.monotonic()
    for index in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        code = s.connect_ex(("127.0.0.1", port))
        if code not in (0, errno.EINPROGRESS):
            state[index] = [None, time.monotonic() - start, False]
            s.close()
            continue
        state[index] = {"sock": s, "connected": None, "data": b""}
        selector.register(s, selectors.EVENT_WRITE, index)
    results = {}
    deadline = start + 15
    while selector.get_map() and time.monotonic() < deadline:
        for key, mask in selector.select(timeout=0.5):
            index = key.data
            entry = state[index]
            s = entry["sock"]
            if entry["connected"] is None:
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                    results[index] = (None, time.monotonic() - start, False)
                    selector.unregister(s)
                    s.close()
                    continue
                entry["connected"] = time.monotonic() - start
                s.sendall(request)
                selector.modify(s, selectors.EVENT_READ, index)
                continue
            chunk = s.recv(65536)
            if chunk:
                entry["data"] += chunk
                continue
            results[index] = (entry["connected"], time.monotonic() - start, entry["data"].startswith(b"HTTP/1.1 200"))
            selector.unregister(s)
            s.close()
    for index, entry in state.items():
        if index not in results:
            results[index] = (None, time.monotonic() - start, False) if isinstance(entry, dict) else tuple(entry)
            if isinstance(entry, dict):
                entry["sock"].close()
    return [results[i] for i in range(count)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--path", default="/healthz")
    args = parser.parse_args()

    slow_total = 0
    for round_index in range(args.rounds):
        out = burst(args.port, args.path, args.connections)
        totals = [o[1] for o in out]
        connects = [o[0] for o in out if o[0] is not None]
        failed = sum(1 for o in out if not o[2])
        slow = sum(1 for t in totals if t > 0.9)
        slow_total += slow
        print("round %d: %d connections, connect max %.1f ms, exchange median %.1f ms max %.1f ms, "
              "over 0.9 s: %d, failed: %d" % (round_index + 1, args.connections,
                                              1000 * max(connects) if connects else float("nan"),
                                              1000 * statistics.median(totals), 1000 * max(totals), slow, failed))
        time.sleep(0.5)
    print("total over 0.9 s: %d of %d" % (slow_total, args.rounds * args.connections))


if __name__ == "__main__":
    main()
