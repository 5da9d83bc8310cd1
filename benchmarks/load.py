"""Bounded load test (a script, not a test): loopback only, stops by itself.

    .venv/bin/python benchmarks/load.py [--clients 50] [--seconds 30] [--db PATH]

Serves the demo programme with waitress on a free 127.0.0.1 port, then runs
`--clients` concurrent clients for `--seconds` against the search page and the
JSON API, and prints requests/s, p50/p95/p99 latency and the error count.
Every fifth client logs in as a facilitator (and also reads chains); the rest are
visitors, who see public and anonymised streams only.
"""

from __future__ import annotations

import argparse
import http.client
import logging
import random
import re
import secrets
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from waitress.server import create_server  # noqa: E402

from matchmaker.cli import ensure_demo_store  # noqa: E402
from matchmaker.store import Store  # noqa: E402
from matchmaker.trust.accounts import add_user  # noqa: E402
from web import create_app  # noqa: E402

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # one line per queued request otherwise
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(args.db or str(Path(tmp) / "demo.db"))
        ensure_demo_store(store)
        app = create_app({"DB": store.url})
        server = create_server(app, host="127.0.0.1", port=0, threads=8)
        port = server.effective_port
        threading.Thread(target=server.run, daemon=True).start()
        password = secrets.token_urlsafe(12)
        add_user(store, "load-facilitator", "facilitator", password, replace=True)
        stream_ids = [s.id for s in store.streams() if s.confidentiality == "public"][:50]
        paths = ([f"/?text={urllib.parse.quote(q)}&direction=offer" for q in QUERIES]
                 + [f"/api/search?text={urllib.parse.quote(q)}&direction=need" for q in QUERIES]
                 + [f"/api/streams/{sid}/matches" for sid in stream_ids] + ["/api/stats"])
        staff_paths = paths + ["/api/chains?programme=vaerdikaedeafklaring&top=20"]
        warm = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        cookie = log_in(warm, "load-facilitator", password)
        for p in staff_paths:  # load the model and fill the caches before measuring
            warm.request("GET", p, headers={"Cookie": cookie})
            warm.getresponse().read()
        latencies: list[float] = []
        by_kind: dict[str, list[float]] = {}
        errors: list[str] = []
        lock = threading.Lock()
        stop_at = time.perf_counter() + args.seconds

        def client(seed: int) -> None:
            rng = random.Random(seed)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            staff = seed % 5 == 0
            headers = {"Cookie": log_in(conn, "load-facilitator", password)} if staff else {}
            while time.perf_counter() < stop_at:
                path = rng.choice(staff_paths if staff else paths)
                t0 = time.perf_counter()
                try:
                    conn.request("GET", path, headers=headers)
                    resp = conn.getresponse()
                    resp.read()
                    ok = resp.status == 200
                except (OSError, http.client.HTTPException) as exc:
                    ok = False
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    resp = exc
                elapsed = (time.perf_counter() - t0) * 1000
                with lock:
                    latencies.append(elapsed)
                    by_kind.setdefault(path.split("?")[0].rsplit("/", 2)[0] if "/streams/" in path else path.split("?")[0], []).append(elapsed)
                    if not ok:
                        errors.append(f"{path}: {getattr(resp, 'status', resp)}")

        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        took = time.perf_counter() - started
        server.task_dispatcher.shutdown()  # let handler threads finish before the socket closes
        server.close()
    lat = np.array(latencies)
    print(f"{args.clients} clients for {took:.1f} s on 127.0.0.1: {len(lat)} requests, {len(lat) / took:.1f} requests/s, "
          f"p50 {statistics.median(lat):.0f} ms, p95 {np.percentile(lat, 95):.0f} ms, p99 {np.percentile(lat, 99):.0f} ms, "
          f"errors {len(errors)}")
    for kind, values in sorted(by_kind.items()):
        v = np.array(values)
        print(f"  {kind:<22} n={len(v):>5}  p50 {np.median(v):.0f} ms  p95 {np.percentile(v, 95):.0f} ms  p99 {np.percentile(v, 99):.0f} ms")
    for e in errors[:10]:
        print("  error:", e)


if __name__ == "__main__":
    main()
