#!/usr/bin/env python3
"""Replays the hostile-client probes of the crash/denial-of-service issue against a real `iris serve`.

    bench/hostile_probe.py [--binary build/iris] [--shared ../shared] [--only NAME,...] [--quick]

Starts the server itself (a fresh data dir in /tmp, CLIP stand-in + YOLOX-Nano installed from the shared
model mirror), then runs each case and prints one line per case: name, what came back (status, sizes),
wall time, and the server's peak RSS during the case (VmHWM, reset before each case through
/proc/PID/clear_refs; needs root or the same user). A case that kills the server is reported as CRASHED
and the server is restarted for the next one. Loopback only; every loop is bounded in count and time.
Standard library only, so it runs on any machine with python3.
"""
import argparse
import contextlib
import http.client
import http.server
import json
import os
import random
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ----------------------------------------------------------------------------------------------- images
def png_bytes(width, height, pixel_row):
    """An RGB PNG whose every row is `pixel_row` (width*3 bytes)."""
    raw = (b"\x00" + pixel_row) * height
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def noise_png(width, height, seed=1):
    rnd = random.Random(seed)
    rows = b"".join(b"\x00" + bytes(rnd.getrandbits(8) for _ in range(width * 3)) for _ in range(height))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 1)) + chunk(b"IEND", b"")


def multipart(fields):
    """fields: list of (name, filename or None, bytes). Returns (content_type, body)."""
    boundary = "irisprobe%016x" % random.getrandbits(64)
    parts = []
    for name, filename, data in fields:
        disposition = 'form-data; name="%s"' % name + ('; filename="%s"' % filename if filename else "")
        parts.append(b"--" + boundary.encode() + b"\r\nContent-Disposition: " + disposition.encode() + b"\r\n\r\n" +
                     data + b"\r\n")
    body = b"".join(parts) + b"--" + boundary.encode() + b"--\r\n"
    return "multipart/form-data; boundary=" + boundary, body


# ----------------------------------------------------------------------------------------------- server
class Server:
    def __init__(self, binary, shared, extra_args):
        self.binary, self.shared, self.extra_args = binary, shared, extra_args
        self.dir = tempfile.mkdtemp(prefix="iris-probe-")
        self.models = os.path.join(self.dir, "models")
        self.proc = None
        subprocess.run([binary, "models", "pull", "clip-standin-colors", "yolox-nano", "--model-mirror",
                        os.path.join(shared, "models"), "--models-dir", self.models, "--log-level", "warn"],
                       check=True, stdout=subprocess.DEVNULL)

    def start(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.log = open(os.path.join(self.dir, "server.log"), "ab")
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--port", str(self.port), "--data-dir", os.path.join(self.dir, "data"),
             "--models-dir", self.models, "--default-clip-model", "clip-standin-colors", "--log-level", "error",
             "--products-image-url", "http://127.0.0.1:9/{id}.jpg"] + self.extra_args,
            stdout=self.log, stderr=self.log)
        for _ in range(600):
            if self.proc.poll() is not None:
                raise RuntimeError("server exited at start, see " + self.log.name)
            try:
                if request(self.port, "GET", "/readyz", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server not ready")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def reset_peak(self):
        try:
            with open("/proc/%d/clear_refs" % self.proc.pid, "w") as f:
                f.write("5")
        except OSError:
            pass

    def memory(self):
        values = {}
        try:
            with open("/proc/%d/status" % self.proc.pid) as f:
                for line in f:
                    if line.startswith(("VmHWM", "VmRSS")):
                        key, value = line.split(":")
                        values[key] = int(value.split()[0]) // 1024
        except OSError:
            pass
        return values

    def db_bytes(self):
        total = 0
        data = os.path.join(self.dir, "data")
        for name in os.listdir(data) if os.path.isdir(data) else []:
            if name.startswith("iris.db"):
                total += os.path.getsize(os.path.join(data, name))
        return total


def request(port, method, path, body=None, headers=None, timeout=120, count_only=False):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        res = conn.getresponse()
        if count_only:
            n = 0
            while True:
                chunk = res.read(1 << 20)
                if not chunk:
                    break
                n += len(chunk)
            return res.status, n, dict(res.getheaders())
        data = res.read()
        return res.status, data, dict(res.getheaders())
    finally:
        conn.close()


def detail(data):
    try:
        return json.loads(data).get("detail", "")[:90]
    except (ValueError, AttributeError):
        return ""


# ----------------------------------------------------------------------------------------------- cases
def case_deep_json(server, quick):
    nested = "[" * 70000 + "]" * 70000
    out = []
    for path, body in (("/v1/images", '{"image_url":%s}' % nested), ("/v1/embeddings/text", '{"texts":%s}' % nested),
                       ("/v1/collections", '{"name":"deep","metadata":%s}' % nested)):
        try:
            status, data, _ = request(server.port, "POST", path, body.encode(), {"Content-Type": "application/json"})
            out.append("%s %d %s" % (path, status, detail(data)))
        except (OSError, http.client.HTTPException) as e:
            out.append("%s no answer (%s)" % (path, type(e).__name__))
        if not server.alive():
            break
    return "; ".join(out)


def case_tall_png(server, quick):
    out = []
    png = png_bytes(1, 1_000_000, b"\x80\x40\x20")
    ctype, body = multipart([("file", "tall.png", png)])
    status, data, _ = request(server.port, "POST", "/v1/embeddings/image", body, {"Content-Type": ctype}, timeout=300)
    out.append("1x1000000 PNG (%d B) -> /v1/embeddings/image %d %s" % (len(png), status, detail(data)))
    if shutil.which("vips") and server.alive():
        path = os.path.join(server.dir, "tall.tif")
        subprocess.run(["vips", "black", path + "[compression=deflate]", "1", "5000000", "--bands", "3"], check=True)
        with open(path, "rb") as f:
            tif = f.read()
        ctype, body = multipart([("file", "tall.tif", tif)])
        status, data, _ = request(server.port, "POST", "/v1/images", body, {"Content-Type": ctype}, timeout=300)
        out.append("1x5000000 TIFF (%d B) -> /v1/images %d %s" % (len(tif), status, detail(data)))
    return "; ".join(out)


def case_slowloris(server, quick):
    duration = 15 if quick else 40
    conns = []
    for _ in range(300):
        s = socket.create_connection(("127.0.0.1", server.port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        conns.append(s)
    silent = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(8)]
    latencies, failures = [], {}
    stop = time.time() + duration
    next_line = time.time() + 5
    while time.time() < stop:
        if time.time() >= next_line:
            for s in conns:
                try:
                    s.sendall(b"X-Slow: 1\r\n")
                except OSError:
                    pass
            next_line = time.time() + 5
        t0 = time.time()
        try:
            status = request(server.port, "GET", "/healthz", timeout=5)[0]
        except (OSError, http.client.HTTPException):
            status = "timeout"
        latencies.append(time.time() - t0)
        if status != 200:
            failures[status] = failures.get(status, 0) + 1
        time.sleep(max(0.0, 1 - (time.time() - t0)))
    answered = 0
    for s in conns:
        s.setblocking(False)
        try:
            answered += 1 if s.recv(64).startswith(b"HTTP/1.1 408") else 0
        except OSError:
            pass
        s.close()
    for s in silent:
        s.close()
    return "300 slow header senders + 8 silent for %d s: /healthz %d probes, max %.2f s, non-200 %s; %d slow got 408" % (
        duration, len(latencies), max(latencies), failures or "none", answered)


def case_range(server, quick):
    png = noise_png(600, 580)
    ctype, body = multipart([("file", "noise.png", png)])
    status, data, _ = request(server.port, "POST", "/v1/images", body, {"Content-Type": ctype})
    if status != 200:
        return "upload failed %d %s" % (status, detail(data))
    sha = json.loads(data)["sha256"]
    ranges = "bytes=" + ",".join(["0-"] * 2000)
    t0 = time.time()
    status, n, headers = request(server.port, "GET", "/v1/images/" + sha, headers={"Range": ranges}, timeout=300,
                                 count_only=True)
    many = "2000 ranges on a %d B image -> %d, %d B in %.1f s" % (len(png), status, n, time.time() - t0)
    status1, n1, headers1 = request(server.port, "GET", "/v1/images/" + sha, headers={"Range": "bytes=100-199"},
                                    count_only=True)
    return many + "; bytes=100-199 -> %d, %d B, Content-Range %s" % (status1, n1, headers1.get("Content-Range", "-"))


def find_person_photo(shared):
    import csv
    with open(os.path.join(shared, "data", "coco-tiny", "labels.csv")) as f:
        for row in csv.DictReader(f):
            if int(row["n_person_noncrowd"]) == 1:
                return os.path.join(shared, "data", "coco-tiny", row["file"])
    raise RuntimeError("no coco-tiny photo with one person")


def case_cache(server, quick):
    if not shutil.which("vips"):
        return "skipped: needs the vips command (libvips-tools)"
    big = os.path.join(server.dir, "big.jpg")
    subprocess.run(["vips", "thumbnail", find_person_photo(server.shared), big, "7680", "--height", "5760",
                    "--size", "force"], check=True)
    with open(big, "rb") as f:
        photo = f.read()
    tasks = [{"operation_id": "c%d" % i, "type": "dominant_colors", "params": {"target": "prominent_person", "k": 2 + i}}
             for i in range(8)]
    ctype, body = multipart([("image_file", "big.jpg", photo), ("tasks_json", None, json.dumps(tasks).encode())])
    db_before = server.db_bytes()
    status, data, _ = request(server.port, "POST", "/analyze_image_upload/", body, {"Content-Type": ctype},
                              timeout=300)
    return "7680x5760 photo, 8 dominant_colors on prominent_person -> %d, response %d B, iris.db +%d B" % (
        status, len(data), server.db_bytes() - db_before)


def case_tokenizer(server, quick):
    words = ["".join(random.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(10000)) for _ in range(256)]
    body = json.dumps({"texts": words}).encode()
    result = {}

    def image_embedding():
        time.sleep(1)
        ctype, form = multipart([("file", "noise.png", noise_png(64, 64))])
        t0 = time.time()
        status = request(server.port, "POST", "/v1/embeddings/image", form, {"Content-Type": ctype}, timeout=300)[0]
        result["image"] = (status, time.time() - t0)

    t = threading.Thread(target=image_embedding)
    t.start()
    t0 = time.time()
    status, data, _ = request(server.port, "POST", "/v1/embeddings/text", body, {"Content-Type": "application/json"},
                              timeout=600)
    elapsed = time.time() - t0
    t.join()
    return "256 x 10,000-letter words -> %d in %.1f s %s; an image embedding meanwhile: %s in %.2f s" % (
        status, elapsed, detail(data), result["image"][0], result["image"][1])


def case_collections(server, quick):
    count = 300 if quick else 1005
    statuses = {}
    for i in range(count):
        body = json.dumps({"name": "probe%04d" % i}).encode()
        status = request(server.port, "POST", "/v1/collections", body, {"Content-Type": "application/json"})[0]
        statuses[status] = statuses.get(status, 0) + 1
        if not server.alive():
            break
    ctype, form = multipart([("file", "noise.png", noise_png(32, 32, seed=7))])
    upload = request(server.port, "POST", "/v1/images", form, {"Content-Type": ctype})
    ready = request(server.port, "GET", "/readyz")[0]
    return "%d collection creates -> %s; then an upload -> %d %s; /readyz %d" % (
        count, statuses, upload[0], detail(upload[1]), ready)


def case_jobs(server, quick):
    statuses, last = {}, ""
    t0 = time.time()
    for call in range(12):
        ids = list(range(call * 10000, (call + 1) * 10000))
        body = json.dumps({"product_ids": ids}).encode()
        status, data, _ = request(server.port, "POST", "/embeddings/generate-batch", body,
                                  {"Content-Type": "application/json"})
        statuses[status] = statuses.get(status, 0) + 1
        last = detail(data) or last
    elapsed = time.time() - t0
    metrics = request(server.port, "GET", "/metrics")[1].decode()
    pending = [line for line in metrics.splitlines() if line.startswith("iris_job_items_pending")]
    return "12 generate-batch x 10,000 ids -> %s in %.1f s; %s; %s" % (statuses, elapsed,
                                                                        pending[0] if pending else "", last)


# ------------------------------------------------------------------------------------------ fault drills
class LoopbackSource:
    """A thread HTTP server on loopback that plays a misbehaving image host or provider. `handle(path,
    handler)` decides each answer; `sent` counts body bytes written, `in_flight_max` the peak concurrency."""

    def __init__(self, handle):
        source = self
        self.handle, self.sent, self.requests, self.in_flight, self.in_flight_max = handle, 0, 0, 0, 0
        self.lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                self.serve()

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                self.serve()

            def serve(self):
                with source.lock:
                    source.requests += 1
                    source.in_flight += 1
                    source.in_flight_max = max(source.in_flight_max, source.in_flight)
                try:
                    source.handle(self.path, self)
                except OSError:
                    pass  # the client gave up: that is the point of most drills
                finally:
                    with source.lock:
                        source.in_flight -= 1

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def count(self, n):
        with self.lock:
            self.sent += n

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@contextlib.contextmanager
def own_server(server, extra, source):
    """A second `iris serve` with extra flags for one drill; stops it, removes its data and closes the
    drill's LoopbackSource when the drill ends."""
    own = Server(server.binary, server.shared, server.extra_args + extra)
    try:
        own.start()
        yield own
    finally:
        own.stop()
        shutil.rmtree(own.dir, ignore_errors=True)
        source.close()


def server_state(own):
    return "own server %s" % ("alive" if own.alive() else "CRASHED")


def time_healthz(port, stop_event, latencies):
    while not stop_event.is_set():
        t0 = time.time()
        try:
            status = request(port, "GET", "/healthz", timeout=10)[0]
        except (OSError, http.client.HTTPException):
            status = 0
        latencies.append((time.time() - t0, status))
        stop_event.wait(0.25)


def healthz_summary(latencies):
    bad = sum(1 for _, status in latencies if status != 200)
    return "/healthz %d probes, max %.2f s, %d not 200" % (len(latencies), max(t for t, _ in latencies), bad)


def parallel(count, work):
    results = [None] * count
    def run(i):
        try:
            results[i] = work(i)
        except (OSError, http.client.HTTPException) as e:
            results[i] = ("client error", type(e).__name__)
    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def case_endless_url(server, quick):
    """Image URLs that never end: an endless chunked body, one that drips a byte a second, and a
    Content-Length of 10 GB. Each fetch must be cut at the byte or time limit with a clear error,
    eight at once must not hold /healthz up, and the server's memory must not follow the stream."""
    def handle(path, h):
        h.send_response(200)
        h.send_header("Content-Type", "image/jpeg")
        if path.startswith("/huge"):
            h.send_header("Content-Length", str(10 << 30))
        else:
            h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        block = b"\xff\xd8\xff\xe0" + b"\0" * 65532
        deadline = time.time() + 120  # a bound for the drill itself
        while time.time() < deadline:
            if path.startswith("/drip"):
                piece = b"1\r\n\0\r\n"
                time.sleep(1)
            elif path.startswith("/huge"):
                piece = block
            else:
                piece = b"%x\r\n" % len(block) + block + b"\r\n"
            h.wfile.write(piece)
            source.count(len(piece))

    source = LoopbackSource(handle)
    out = []
    with own_server(server, ["--fetch-allow-hosts", "127.0.0.1", "--fetch-timeout", "10"], source) as own:
        for name in ("endless", "drip", "huge"):
            before = source.sent
            t0 = time.time()
            body = json.dumps({"image_url": "%s/%s.jpg" % (source.url, name)}).encode()
            status, data, _ = request(own.port, "POST", "/v1/embeddings/image", body,
                                      {"Content-Type": "application/json"}, timeout=120)
            out.append("%s -> %d in %.1f s after %.1f MB sent (%s)" % (
                name, status, time.time() - t0, (source.sent - before) / 1e6, detail(data)))
        own.reset_peak()
        rss = own.memory().get("VmRSS", 0)
        stop, latencies = threading.Event(), []
        timer = threading.Thread(target=time_healthz, args=(own.port, stop, latencies))
        timer.start()
        def fetch(i):
            body = json.dumps({"image_url": "%s/endless-%d.jpg" % (source.url, i)}).encode()
            return request(own.port, "POST", "/v1/embeddings/image", body, {"Content-Type": "application/json"},
                           timeout=120)[0]
        t0 = time.time()
        statuses = parallel(8, fetch)
        elapsed = time.time() - t0
        stop.set()
        timer.join()
        out.append("8 endless at once -> %s in %.1f s, %s, server RSS %d -> peak %d MiB" % (
            sorted(set(map(str, statuses))), elapsed, healthz_summary(latencies), rss, own.memory().get("VmHWM", 0)))
        out.append(server_state(own))
    return "; ".join(out)


def case_provider_storm(server, quick):
    """The captions provider misbehaves: a storm of 429 with Retry-After, then 500 on every attempt, then
    it accepts requests and never answers, then it recovers. describe_image tasks must end with a task
    error that names the cause (never a hung or failed request), the server must stay within
    captions.max_concurrency towards the provider, other routes must keep answering, the circuit breaker
    must refuse calls at once after five failed calls in a row, and captions work again once the provider
    does (after one trial call)."""
    mode = {"now": "429"}
    release = threading.Event()  # ends the hung answers when their phase ends

    def handle(path, h):
        if mode["now"] == "429":
            h.send_response(429)
            h.send_header("Retry-After", "1")
            body = b'{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}'
        elif mode["now"] == "500":
            h.send_response(500)
            body = b'{"error":{"message":"The server had an error","type":"server_error"}}'
        elif mode["now"] == "hang":
            # Hold the request until the phase ends or Iris gives up and closes the connection (so
            # "open at once" counts what Iris holds, not what it already abandoned).
            import select
            while not release.wait(0.05):
                readable, _, _ = select.select([h.connection], [], [], 0)
                if readable and not h.connection.recv(1, socket.MSG_PEEK):
                    break
            h.close_connection = True
            return
        else:
            h.send_response(200)
            body = json.dumps({"id": "chatcmpl-drill", "object": "chat.completion", "created": int(time.time()),
                               "model": "gpt-4o-mini", "choices": [{"index": 0, "finish_reason": "stop",
                               "message": {"role": "assistant", "content": "A plain test pattern."}}],
                               "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}).encode()
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    source = LoopbackSource(handle)
    settings = ["--captions-url", source.url + "/v1", "--captions-max-retries", "2", "--captions-backoff-initial-ms",
                "200", "--captions-backoff-max-ms", "2000", "--captions-timeout", "3", "--captions-max-concurrency", "4"]
    # Distinct images (the result cache would answer a repeated one), made before the clock starts.
    forms = [multipart([("image_file", "p%d.png" % i, noise_png(48, 48, seed=1000 + i)),
                        ("tasks_json", None, json.dumps([{"operation_id": "caption",
                                                          "type": "describe_image"}]).encode())])
             for i in range(40)]
    next_form = [0]

    def describe(i):
        with source.lock:
            ctype, form = forms[next_form[0]]
            next_form[0] += 1
        t0 = time.time()
        status, data, _ = request(own.port, "POST", "/analyze_image_upload/", form, {"Content-Type": ctype},
                                  timeout=180)
        task = {}
        try:
            task = json.loads(data)["results"]["caption"]
        except (ValueError, KeyError, TypeError):
            pass
        return status, task.get("status", "?"), (task.get("error_message") or "")[:160], time.time() - t0

    out = []
    with own_server(server, settings, source) as own:
        # Each failing phase starts after the breaker's cool-down (max(backoff_max_ms 2 s, Retry-After 1 s));
        # "ok x1" is the trial call that closes it, "ok x8" the recovered provider.
        for phase, count in (("429", 12), ("500", 8), ("hang", 8), ("ok", 1), ("ok", 8)):
            if phase != "ok" or count == 1:
                time.sleep(2.5)
            mode["now"] = phase
            release.clear()
            source.requests, source.in_flight_max = 0, 0
            stop, latencies = threading.Event(), []
            timer = threading.Thread(target=time_healthz, args=(own.port, stop, latencies))
            timer.start()
            t0 = time.time()
            results = parallel(count, describe)
            elapsed = time.time() - t0
            stop.set()
            timer.join()
            release.set()
            statuses = {}
            for r in results:
                key = "%s/%s" % (r[0], r[1]) if len(r) == 4 else str(r)
                statuses[key] = statuses.get(key, 0) + 1
            message = next((r[2] for r in results if len(r) == 4 and r[2] and "circuit" not in r[2]), "")
            refused = [r for r in results if len(r) == 4 and "circuit open" in r[2]]
            out.append("%s x%d -> %s in %.1f s (slowest %.1f s), provider saw %d requests, at most %d open at once, "
                       "%d refused by the open circuit (slowest %.2f s), %s%s" % (
                           phase, count, statuses, elapsed, max(r[3] for r in results if len(r) == 4), source.requests,
                           source.in_flight_max, len(refused), max([r[3] for r in refused] or [0]),
                           healthz_summary(latencies), (', "%s"' % message) if message else ""))
        out.append(server_state(own))
    return "; ".join(out)


CASES = [("deep_json", case_deep_json), ("tall_png", case_tall_png), ("slowloris", case_slowloris),
         ("range", case_range), ("cache", case_cache), ("tokenizer", case_tokenizer),
         ("jobs", case_jobs), ("collections", case_collections), ("endless_url", case_endless_url),
         ("provider_storm", case_provider_storm)]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, "build", "iris"))
    parser.add_argument("--shared", default=os.environ.get("IRIS_SHARED_DIR", os.path.join(ROOT, "..", "shared")))
    parser.add_argument("--only", default="")
    parser.add_argument("--quick", action="store_true", help="shorter slowloris and fewer collections")
    parser.add_argument("server_args", nargs="*", help="extra `iris serve` arguments (after --)")
    args = parser.parse_args()
    only = set(filter(None, args.only.split(",")))
    server = Server(args.binary, args.shared, args.server_args)
    server.start()
    print("%-12s %-8s %8s %10s  %s" % ("case", "server", "time_s", "peak_MiB", "result"))
    try:
        for name, run in CASES:
            if only and name not in only:
                continue
            if not server.alive():
                server.start()
            server.reset_peak()
            base = server.memory().get("VmRSS", 0)
            t0 = time.time()
            try:
                result = run(server, args.quick)
            except (OSError, http.client.HTTPException) as e:
                result = "client error: %s %s" % (type(e).__name__, e)
            elapsed = time.time() - t0
            time.sleep(0.5)
            if server.alive():
                health = request(server.port, "GET", "/healthz", timeout=10)[0] if server.alive() else 0
                state = "ok" if health == 200 else "health%d" % health
                peak = server.memory().get("VmHWM", 0)
            else:
                state = "CRASHED(%s)" % server.proc.returncode
                peak = 0
            print("%-12s %-8s %8.1f %10s  %s (rss before %d MiB)" % (name, state, elapsed, peak or "-", result, base),
                  flush=True)
    finally:
        server.stop()
        shutil.rmtree(server.dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
