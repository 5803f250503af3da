#!/usr/bin/env python3
"""Bounded mixed-route load on a real `iris serve` over loopback, for minutes (docs/operations.md, "Load").

    bench/load_mixed.py [--duration 600] [--clients 8] [--binary build/iris] [--shared ../shared] [--json OUT]

Starts the server as bench/hostile_probe.py does (fresh data dir in /tmp; the CLIP stand-in
clip-standin-colors and YOLOX-Nano from the shared model mirror), fills a collection with real photos of
../shared/data/clothing-cc0, then runs CLIENTS threads for DURATION seconds. Each thread keeps one keep-alive
connection and picks a route at random by weight (the table ROUTES below): text and image embeddings,
image analysis (objects + colours), collection search by text and by image, item upserts and deletes,
near-duplicate checks, item listing and health. Images are real photos from ../shared/data.

Acceptance (issue 16): every answer is 2xx, or 503 with Retry-After under overload; anything else is an
error (counted per route, the first ones printed). The server's RSS is sampled every 10 s: the first
sample after a one-minute warm-up and the last are reported, with the maximum. p50/p99 per route.
Exit status 0 when no errors and the server is alive at the end, 1 otherwise. Standard library only.
"""
import argparse
import glob
import http.client
import json
import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile_probe import ROOT, Server, multipart, request  # noqa: E402

COLLECTION = "load"


def photos(shared, pattern, limit):
    files = sorted(glob.glob(os.path.join(shared, "data", pattern)))[:limit]
    if not files:
        raise SystemExit("no photos match %s under %s/data (IRIS_SHARED_DIR?)" % (pattern, shared))
    out = []
    for f in files:
        with open(f, "rb") as fh:
            out.append((os.path.basename(f), fh.read()))
    return out


def upload(name, data, extra=()):
    return multipart([("file", name, data)] + list(extra))


# Each route: (name, weight, builder(rnd, state) -> (method, path, body, headers)).
def build_routes(images, texts):
    def text_embed(rnd, state):
        body = json.dumps({"texts": rnd.sample(texts, 2)}).encode()
        return "POST", "/v1/embeddings/text", body, {"Content-Type": "application/json"}

    def image_embed(rnd, state):
        ctype, body = upload(*rnd.choice(images))
        return "POST", "/v1/embeddings/image", body, {"Content-Type": ctype}

    def analyze(rnd, state):
        tasks = json.dumps([{"operation_id": "o", "type": "detect_objects"},
                            {"operation_id": "c", "type": "dominant_colors"}]).encode()
        name, data = rnd.choice(images)
        ctype, body = multipart([("image_file", name, data), ("tasks_json", None, tasks)])
        return "POST", "/analyze_image_upload/", body, {"Content-Type": ctype}

    def search_text(rnd, state):
        body = json.dumps({"text": rnd.choice(texts), "k": 5}).encode()
        return "POST", "/v1/collections/%s/search" % COLLECTION, body, {"Content-Type": "application/json"}

    def search_image(rnd, state):
        ctype, body = upload(*rnd.choice(images), extra=[("k", None, b"5")])
        return "POST", "/v1/collections/%s/search" % COLLECTION, body, {"Content-Type": ctype}

    def upsert(rnd, state):
        item = "load-%d" % rnd.randrange(200)
        ctype, body = upload(*rnd.choice(images), extra=[("metadata", None, json.dumps({"n": item}).encode())])
        return "PUT", "/v1/collections/%s/items/%s" % (COLLECTION, item), body, {"Content-Type": ctype}

    def delete(rnd, state):
        return "DELETE", "/v1/collections/%s/items/load-%d" % (COLLECTION, rnd.randrange(200)), None, {}

    def duplicates(rnd, state):
        ctype, body = upload(*rnd.choice(images))
        return "POST", "/v1/collections/%s/duplicates" % COLLECTION, body, {"Content-Type": ctype}

    def list_items(rnd, state):
        return "GET", "/v1/collections/%s/items?limit=50" % COLLECTION, None, {}

    def health(rnd, state):
        return "GET", "/healthz", None, {}

    return [("embed_text", 15, text_embed), ("embed_image", 15, image_embed), ("analyze", 10, analyze),
            ("search_text", 15, search_text), ("search_image", 10, search_image), ("upsert", 10, upsert),
            ("delete", 5, delete), ("duplicates", 5, duplicates), ("list", 10, list_items), ("health", 5, health)]


# A delete of an item that is not there is a 404 the client asked for, not a server error.
EXPECTED = {"delete": {404}}


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency = {}
        self.status = {}
        self.errors = []
        self.overload_without_retry_after = 0

    def add(self, route, status, seconds, headers, detail):
        with self.lock:
            self.latency.setdefault(route, []).append(seconds)
            key = (route, status)
            self.status[key] = self.status.get(key, 0) + 1
            ok = 200 <= status < 300 or status in EXPECTED.get(route, ()) or status == 503
            if status == 503 and "Retry-After" not in headers:
                self.overload_without_retry_after += 1
                ok = False
            if not ok and len(self.errors) < 2000:
                self.errors.append((route, status, detail))


def client(port, routes, stats, deadline, seed):
    rnd = random.Random(seed)
    names = [r[0] for r in routes]
    weights = [r[1] for r in routes]
    builders = {r[0]: r[2] for r in routes}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    while time.time() < deadline:
        route = rnd.choices(names, weights)[0]
        method, path, body, headers = builders[route](rnd, None)
        start = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            res = conn.getresponse()
            data = res.read()
            status, hdrs = res.status, dict(res.getheaders())
            if res.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        except (OSError, http.client.HTTPException) as e:
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            status, hdrs, data = 0, {}, str(e).encode()
        detail = data[:160].decode("utf-8", "replace") if not 200 <= status < 300 else ""
        stats.add(route, status, time.perf_counter() - start, hdrs, detail)
    conn.close()


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100.0 * len(values)))] * 1000 if values else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=600)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=60, help="seconds before the first RSS sample counts")
    parser.add_argument("--binary", default=os.path.join(ROOT, "build", "iris"))
    parser.add_argument("--shared", default=os.environ.get("IRIS_SHARED_DIR", os.path.join(ROOT, "..", "shared")))
    parser.add_argument("--json", help="write the results here too")
    args = parser.parse_args()

    images = photos(args.shared, "clothing-cc0/images/*/*.jpg", 24) + photos(args.shared, "coco-tiny/images/*.jpg", 8)
    texts = ["a red dress", "blue jeans", "a black leather jacket", "white sneakers", "a striped shirt",
             "a person riding a bike", "a green hoodie", "a wool sweater"]
    server = Server(args.binary, args.shared, [])
    server.start()
    try:
        status = request(server.port, "POST", "/v1/collections",
                         json.dumps({"name": COLLECTION, "model": "clip-standin-colors"}).encode(),
                         {"Content-Type": "application/json"})[0]
        if status not in (200, 201):
            raise SystemExit("creating the collection answered %d" % status)
        for i, (name, data) in enumerate(images[:16]):
            ctype, body = upload(name, data)
            request(server.port, "PUT", "/v1/collections/%s/items/seed-%d" % (COLLECTION, i), body,
                    {"Content-Type": ctype})

        routes = build_routes(images, texts)
        stats = Stats()
        start = time.time()
        deadline = start + args.duration
        threads = [threading.Thread(target=client, args=(server.port, routes, stats, deadline, i))
                   for i in range(args.clients)]
        for t in threads:
            t.start()
        samples = []
        while any(t.is_alive() for t in threads):
            mem = server.memory()
            if "VmRSS" in mem:
                samples.append((time.time() - start, mem["VmRSS"]))
            time.sleep(10)
        for t in threads:
            t.join()
        elapsed = time.time() - start
        alive = server.alive()
    finally:
        server.stop()

    after_warmup = [s for s in samples if s[0] >= min(args.warmup, args.duration / 2)] or samples
    rss_start, rss_end = after_warmup[0][1], after_warmup[-1][1]
    rss_max = max(s[1] for s in samples)
    total = sum(len(v) for v in stats.latency.values())
    print("mixed load: %d clients, %.0f s, %d requests (%.1f req/s), server alive at the end: %s" %
          (args.clients, elapsed, total, total / elapsed, "yes" if alive else "NO"))
    print("%-13s %8s %9s %9s %9s  statuses" % ("route", "requests", "p50 ms", "p99 ms", "max ms"))
    per_route = {}
    for name in sorted(stats.latency):
        lat = stats.latency[name]
        codes = {str(st): n for (r, st), n in sorted(stats.status.items()) if r == name}
        per_route[name] = {"requests": len(lat), "p50_ms": percentile(lat, 50), "p99_ms": percentile(lat, 99),
                           "max_ms": max(lat) * 1000, "statuses": codes}
        print("%-13s %8d %9.1f %9.1f %9.1f  %s" % (name, len(lat), per_route[name]["p50_ms"],
                                                     per_route[name]["p99_ms"], per_route[name]["max_ms"],
                                                     " ".join("%s:%d" % kv for kv in codes.items())))
    overloaded = sum(n for (r, st), n in stats.status.items() if st == 503)
    print("RSS: %d MB after warm-up (t=%.0f s), %d MB at the end (t=%.0f s), max %d MB; 503 answers: %d" %
          (rss_start, after_warmup[0][0], rss_end, after_warmup[-1][0], rss_max, overloaded))
    print("errors (not 2xx, not 503 with Retry-After): %d" % len(stats.errors))
    for route, status, detail in stats.errors[:10]:
        print("  %s -> %d %s" % (route, status, detail))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"clients": args.clients, "seconds": elapsed, "requests": total, "routes": per_route,
                       "rss_mb": {"after_warmup": rss_start, "end": rss_end, "max": rss_max, "samples": samples},
                       "errors": len(stats.errors), "overloaded_503": overloaded, "alive": alive}, f, indent=1)
    return 0 if alive and not stats.errors else 1


if __name__ == "__main__":
    sys.exit(main())
