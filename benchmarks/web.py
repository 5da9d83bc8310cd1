"""Web benchmark (a script, not a test): prints figures, asserts nothing.

    .venv/bin/python benchmarks/web.py [--runs 40] [--orgs 1000]

1. Server-side time of every page and API call on the demo programme, warm
   app, in-process (Flask test client): p50 and p95 over `--runs` requests.
2. The network page for a synthetic programme of `--orgs` organisations in
   headless Chromium: time from navigation until the graph has settled and
   answers clicks (physics switched off), median of 3 loads.
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from matching import RandomEmbedder, corpus  # noqa: E402

from matchmaker.cli import ensure_demo_store  # noqa: E402
from matchmaker.io.importer import import_files  # noqa: E402
from matchmaker.matching.concepts import default_vocabulary  # noqa: E402
from matchmaker.matching.index import MatchIndex  # noqa: E402
from matchmaker.matching.stored import refresh_matches  # noqa: E402
from matchmaker.matching.weights import current_weights  # noqa: E402
from matchmaker.store import Store  # noqa: E402
from matchmaker.trust.accounts import add_user  # noqa: E402
from web import create_app  # noqa: E402


def server_side(db: str, runs: int) -> None:
    store = Store(db)
    ensure_demo_store(store)
    app = create_app({"DB": store.url})
    add_user(store, "bench-facilitator", "facilitator", secrets.token_urlsafe(12), replace=True)
    client = app.test_client()
    with client.session_transaction() as session:  # a logged-in facilitator sees every page
        session["user"] = "bench-facilitator"
    visitor = app.test_client()
    offer = next(s for s in store.streams() if s.direction == "offer" and s.confidentiality == "public")
    prog = "closing-loops-2-check"
    chains = client.get(f"/api/chains?programme={prog}&top=1").get_json()["chains"]
    chain_id = chains[0]["id"]
    urls = ["/", "/?text=Vi+har+kaffegrums+fra+vores+caf%C3%A9er&direction=offer&postcode=8000",
            "/api/search?text=spent+grain+from+brewing&direction=offer", f"/orgs/{offer.org_id}",
            f"/streams/{offer.id}", f"/api/streams/{offer.id}/matches", "/orgs", f"/chains?programme={prog}",
            f"/api/chains?programme={prog}", f"/chains/{chain_id}?programme={prog}",
            f"/chains/{chain_id}.csv?programme={prog}", f"/chains/{chain_id}/summary?programme={prog}",
            f"/chains/custom?programme={prog}&" + "&".join(f"members={m}" for m in chains[0]["members"]),
            "/network", "/api/network", "/network?group=region", "/api/stats", "/import", "/network.gexf"]
    visitor_urls = ["/", "/api/search?text=spent+grain+from+brewing&direction=offer", f"/orgs/{offer.org_id}",
                    f"/streams/{offer.id}", f"/api/streams/{offer.id}/matches", "/orgs", "/network", "/network.gexf"]
    runs_of = [("facilitator", client, url) for url in urls] + [("visitor", visitor, url) for url in visitor_urls]
    for _, c, url in runs_of:  # warm: model loaded, proposals cached
        c.get(url).close()
    print(f"server-side times on the demo programme, warm, {runs} requests each (ms):")
    worst = 0.0
    for role, c, url in runs_of:
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            r = c.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            status = r.status_code
            r.close()
        p95 = float(np.percentile(times, 95))
        worst = max(worst, p95)
        print(f"  {status} p50 {statistics.median(times):7.1f}  p95 {p95:7.1f}  {role:<11} {url[:80]}")
    print(f"  worst p95: {worst:.1f} ms")


def network_in_browser(n_orgs: int, tmp: Path) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        print("network in browser: skipped, chromium not installed")
        return
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server
    orgs, streams = corpus(n_orgs * 3, seed=5)
    orgs = orgs[:n_orgs]
    store = Store(str(tmp / "synthetic.db"))
    from matchmaker.io.exporter import organisations_csv, streams_csv
    (tmp / "o.csv").write_text(organisations_csv(orgs), encoding="utf-8")
    (tmp / "s.csv").write_text(streams_csv([s for s in streams if s.org_id in {o.id for o in orgs}]), encoding="utf-8")
    import_files(store, [tmp / "o.csv", tmp / "s.csv"])
    embedder = RandomEmbedder()
    index = MatchIndex(store.organisations(), store.streams(), embedder, default_vocabulary(), current_weights())
    refresh_matches(store, index)
    app = create_app({"DB": store.url, "EMBEDDER": embedder})
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_port}/network?min_score=0.5"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu",
                                     "--disable-background-networking", "--disable-component-update"])
        page = browser.new_page()
        page.goto(url)  # warm the server's caches
        times, nodes, edges = [], 0, 0
        for _ in range(3):
            t0 = time.perf_counter()
            page.goto(url)
            page.wait_for_function("document.getElementById('network').dataset.ready === 'true'", timeout=120000)
            times.append(time.perf_counter() - t0)
            nodes = int(page.get_attribute("#network", "data-nodes"))
            edges = int(page.get_attribute("#network", "data-edges"))
        t0 = time.perf_counter()
        page.mouse.click(400, 300)
        page.evaluate("window.matchmakerNetwork.getScale()")
        click_ms = (time.perf_counter() - t0) * 1000
        browser.close()
    httpd.shutdown()
    print(f"network page, {n_orgs} organisations ({nodes} nodes, {edges} edges) in headless Chromium: "
          f"settled and interactive in {statistics.median(times):.2f} s (median of 3; runs {[round(t, 2) for t in times]}); "
          f"a click answered in {click_ms:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--orgs", type=int, default=1000)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server_side(args.db or str(Path(tmp) / "demo.db"), args.runs)
        network_in_browser(args.orgs, Path(tmp))


if __name__ == "__main__":
    main()
