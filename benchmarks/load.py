"""Bounded load test (a script, not a test): loopback only, stops by itself.

    .venv/bin/python benchmarks/load.py [--clients 50,200] [--seconds 30] [--db PATH] [--threads N]

Builds the demo store (if --db is not given), starts `matchmaker serve` in a separate process on
a free 127.0.0.1 port (so the load generator does not share its interpreter), waits until it
answers, then for each client count runs that many concurrent keep-alive clients for `--seconds`
over the page mix: the search page and search API, stream pages, organisation list and pages,
the network API, stats and stored matches. Every fifth client logs in as a facilitator (and also
reads chains); the rest are visitors. Prints throughput, errors, p50/p95/p99 latency per run
and by kind, and the server's resident memory (now and peak).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from matchmaker.cli import ensure_demo_store  # noqa: E402
from matchmaker.store import Store  # noqa: E402
from matchmaker.trust.accounts import add_user  # noqa: E402

QUERIES = ["Vi har kaffegrums fra vores caféer", "spent grain from brewing", "knust beton fra nedrivning",
           "used cooking oil", "overskudsvarme fra køleanlæg", "hospital textiles for recycling", "valle fra ost"]


def log_in(conn: http.client.HTTPConnection, username: str, password: str) -> str:
    """The login form, as a browser sends it; returns the session cookie."""
    conn.request("GET", "/login")
    resp = conn.getresponse()
    page = resp.read().decode()
    cookie = resp.getheader("Set-Cookie", "").split(";")[0]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": csrf})
    conn.request("POST", "/login", body=body, headers={"Cookie": cookie,
                                                       "Content-Type": "application/x-www-form-urlencoded"})
    resp = conn.getresponse()
    resp.read()
    if resp.status != 302:
        raise SystemExit(f"login failed: {resp.status}")
    return resp.getheader("Set-Cookie", "").split(";")[0]


def memory_mb(pid: int) -> tuple[float, float]:
    """Resident and peak resident memory of a process, in MB (Linux /proc)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: str, port: int, threads: int | None) -> subprocess.Popen:
    cmd = [sys.executable, "-c", "from web.cli import main; main()", "serve", "--db", db, "--port", str(port)]
    if threads:
        cmd += ["--threads", str(threads)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 300
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/stats")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"the server ended: {proc.stdout.read()}") from None
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the server did not answer within 300 s")


def run(port: int, clients: int, seconds: float, password: str, paths: list[str], staff_paths: list[str]) -> dict:
    latencies: list[float] = []
    by_kind: dict[str, list[float]] = {}
    errors: list[str] = []
    lock = threading.Lock()
    ready = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def kind_of(path: str) -> str:
        base = path.split("?")[0]
        return re.sub(r"/(S|ORG|anon)[-\w.]*", "/<id>", base)

    def client(seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        staff = seed % 5 == 0
        try:
            headers = {"Cookie": log_in(conn, "load-facilitator", password)} if staff else {}
        finally:
            ready.wait()
        while time.perf_counter() < stop_at[0]:
            path = rng.choice(staff_paths if staff else paths)
            t0 = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
                ok, what = resp.status == 200, resp.status
            except (OSError, http.client.HTTPException) as exc:
                ok, what = False, exc.__class__.__name__
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = (time.perf_counter() - t0) * 1000
            with lock:
                latencies.append(elapsed)
                by_kind.setdefault(kind_of(path), []).append(elapsed)
                if not ok:
                    errors.append(f"{path}: {what}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    ready.wait()  # every client connected (and logged in) before the clock starts
    started = time.perf_counter()
    stop_at[0] = started + seconds
    for t in threads:
        t.join()
    took = time.perf_counter() - started
    return {"clients": clients, "took": took, "lat": np.array(latencies), "by_kind": by_kind, "errors": errors}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", default="50,200", help="comma-separated client counts, one run each")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--db", default=None)
    parser.add_argument("--threads", type=int, default=None, help="server threads (default: the serve default)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(args.db or str(Path(tmp) / "demo.db"))
        ensure_demo_store(store)
        password = secrets.token_urlsafe(12)
        add_user(store, "load-facilitator", "facilitator", password, replace=True)
        public = [s for s in store.streams() if s.confidentiality == "public"]
        orgs = sorted({s.org_id for s in public})[:20]
        paths = ([f"/?text={urllib.parse.quote(q)}&direction=offer" for q in QUERIES]
                 + [f"/api/search?text={urllib.parse.quote(q)}&direction=need" for q in QUERIES]
                 + [f"/api/streams/{s.id}/matches" for s in public[:30]] + [f"/streams/{s.id}" for s in public[:30]]
                 + [f"/orgs/{o}" for o in orgs] + ["/orgs", "/api/stats", "/api/network?min_score=0.5"])
        staff_paths = paths + ["/api/chains?programme=vaerdikaedeafklaring&top=20", "/chains"]
        port = free_port()
        started = time.perf_counter()
        server = start_server(store.url, port, args.threads)
        print(f"server process {server.pid} answered after {time.perf_counter() - started:.1f} s "
              f"(store built, index and pairs warmed before it accepted requests)")
        first = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for label in ("first", "tenth"):
            for _ in range(1 if label == "first" else 9):
                t0 = time.perf_counter()
                first.request("GET", f"/api/search?text={urllib.parse.quote('brugt frituresolie')}&direction=need")
                first.getresponse().read()
            print(f"{label} search: {(time.perf_counter() - t0) * 1000:.0f} ms")
        try:
            for clients in (int(c) for c in args.clients.split(",")):
                r = run(port, clients, args.seconds, password, paths, staff_paths)
                rss, peak = memory_mb(server.pid)
                lat = r["lat"]
                print(f"{clients} clients for {r['took']:.1f} s: {len(lat)} requests, {len(lat) / r['took']:.1f} requests/s, "
                      f"errors {len(r['errors'])}, p50 {statistics.median(lat):.0f} ms, p95 {np.percentile(lat, 95):.0f} ms, "
                      f"p99 {np.percentile(lat, 99):.0f} ms; server memory {rss:.0f} MB (peak {peak:.0f} MB)")
                for kind, values in sorted(r["by_kind"].items()):
                    v = np.array(values)
                    print(f"  {kind:<24} n={len(v):>5}  p50 {np.median(v):.0f} ms  p95 {np.percentile(v, 95):.0f} ms  "
                          f"p99 {np.percentile(v, 99):.0f} ms")
                for e in r["errors"][:5]:
                    print("  error:", e)
        finally:
            os.kill(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    print(f"load generator and server on the same {os.cpu_count()} cores; load average now "
          f"{os.getloadavg()[0]:.1f} (other work on the machine counts against both)")


if __name__ == "__main__":
    main()
