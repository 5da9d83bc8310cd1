"""Chains after one stream edit: full recompute against the incremental update (a script, not a test).

    .venv/bin/python benchmarks/chains_incremental.py [--sizes 10000,100000] [--programme vaerdikaedeafklaring]

Streams are scale.py's corpus (real titles and descriptions recombined, n/3 firms at real Danish
postcodes, half offers, half needs). Their ranked lists are each stream's top-10 of the other
direction by the cosine of scale.py's simulated embeddings (the real model's embeddings of the
source texts plus noise), rounded as stored lists are: the full hybrid score is not needed to
time the graph and the chains, and building it at 100k takes minutes.

One edit: a stream's text changes (its vector becomes another stream's); its list is ranked
again, every list that held it is ranked again, and every list it now enters gains it: those
lists are what a sync rewrites. Then, per size, in the same run:
- full: firm graph (build_graph + firm_graph), find_chains on it, propose for one programme
  (its economic view, the top 3000 chains completed and checked);
- incremental: update_state with the changed lists and the edited stream, then
  ProposalCache.propose (only changed chains evaluated again);
and the results are compared (the same chains in the same order, the same proposals).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import SimulatedEmbedder, base_embeddings, corpus  # noqa: E402

from matchmaker.chains import graph  # noqa: E402
from matchmaker.chains.discovery import find_chains  # noqa: E402
from matchmaker.chains.incremental import Changes, build_state, update_state  # noqa: E402
from matchmaker.programmes import rules  # noqa: E402
from matchmaker.programmes.proposal_cache import ProposalCache  # noqa: E402
from matchmaker.programmes.proposals import propose  # noqa: E402

TOP = 10


def top_lists(V: np.ndarray, rows: np.ndarray, cols: np.ndarray, ids: list[str], block: int = 2048) -> dict:
    """Each of `rows`' top-10 among `cols` by cosine, best first, rounded as stored lists are."""
    out = {}
    C = V[cols]
    for a in range(0, len(rows), block):
        S = V[rows[a:a + block]] @ C.T
        part = np.argpartition(-S, TOP, axis=1)[:, :TOP]
        for r, cand in enumerate(part):
            order = cand[np.argsort(-S[r, cand], kind="stable")]
            out[ids[rows[a + r]]] = [(ids[cols[j]], round(float(S[r, j]), 4)) for j in order]
    return out


def one_edit(V: np.ndarray, ids: list[str], offers: np.ndarray, needs: np.ndarray, pairs: dict, x: int,
             donor: int) -> dict:
    """The lists that change when stream x's vector becomes the donor's (see the docstring)."""
    V[x] = V[donor]
    mine, theirs = (offers, needs) if x in set(offers.tolist()) else (needs, offers)
    changed = top_lists(V, np.array([x]), theirs, ids)
    sid = ids[x]
    scores = V[theirs] @ V[x]
    for j, y in enumerate(theirs):
        held = pairs[ids[y]]
        if any(o == sid for o, _ in held):
            changed.update(top_lists(V, np.array([y]), mine, ids))
        elif round(float(scores[j]), 4) > held[-1][1]:
            new = sorted(held + [(sid, round(float(scores[j]), 4))], key=lambda e: -e[1])[:TOP]
            changed[ids[y]] = new
    return {k: v for k, v in changed.items() if pairs.get(k) != v}


def timed(fn):
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_size(n: int, prog: rules.Programme, bt: np.ndarray, bd: np.ndarray) -> dict:
    orgs, streams, sources = corpus(n)
    V = SimulatedEmbedder(bt, bd, sources).vectors.copy()
    ids = [s.id for s in streams]
    offers = np.array([i for i, s in enumerate(streams) if s.direction == "offer"])
    needs = np.array([i for i, s in enumerate(streams) if s.direction == "need"])
    t_pairs, pairs = timed(lambda: {**top_lists(V, offers, needs, ids), **top_lists(V, needs, offers, ids)})
    pairs = dict(sorted(pairs.items()))
    orgs = sorted(orgs, key=lambda o: o.id)
    streams = sorted(streams, key=lambda s: s.id)  # the store's order
    out: dict = {"streams": n, "orgs": len(orgs), "pairs_s": t_pairs}

    t_state, state = timed(lambda: build_state(orgs, streams, pairs))
    by_org, by_stream = {o.id: o for o in orgs}, {s.id: s for s in streams}
    cache = ProposalCache(prog)
    t_cache, _ = timed(lambda: cache.propose(state.economic, by_org, by_stream))
    out["build_state_s"], out["first_proposals_s"] = t_state, t_cache
    out["chains"] = len(state.economic.order)

    x, donor = n // 2 + 1, n // 3  # one stream takes another's text
    changed = one_edit(V, ids, offers, needs, pairs, x, donor)
    edited = replace(by_stream[ids[x]], title=by_stream[ids[x]].title + " (renset, sorteret)")
    pairs.update(changed)
    by_stream[edited.id] = edited
    streams = [edited if s.id == edited.id else s for s in streams]
    out["lists_changed"] = len(changed)

    t0 = time.perf_counter()
    update_state(state, Changes(lists=changed, streams={edited.id: edited}))
    out["inc_chains_s"] = time.perf_counter() - t0
    inc = cache.propose(state.economic, by_org, by_stream)
    out["inc_total_s"] = time.perf_counter() - t0
    out["inc_evaluated"] = cache.evaluated

    t0 = time.perf_counter()
    F = graph.firm_graph(graph.build_graph(orgs, streams, pairs))
    out["full_graph_s"] = time.perf_counter() - t0
    found = find_chains(F)
    out["full_chains_s"] = time.perf_counter() - t0
    del found
    full = propose(F, orgs, streams, prog)
    out["full_total_s"] = time.perf_counter() - t0
    out["same"] = [p.as_dict(by_org) for p in inc] == [p.as_dict(by_org) for p in full] and \
        state.economic.found() == find_chains(F)
    out["peak_rss_mb"] = rss_mb()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--programme", default="vaerdikaedeafklaring")
    args = parser.parse_args()
    prog = rules.get_programme(args.programme)
    bt, bd = base_embeddings(Path(tempfile.gettempdir()))
    print("| streams | firms | chains | lists changed | full: graph s | + find_chains s | + propose s "
          "| incremental: graph + chains s | + proposals s | re-evaluated | same | peak MB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n in (int(s) for s in args.sizes.split(",")):
        r = one_size(n, prog, bt, bd)
        print(f"| {n} | {r['orgs']} | {r['chains']} | {r['lists_changed']} | {r['full_graph_s']:.1f} "
              f"| {r['full_chains_s']:.1f} | {r['full_total_s']:.1f} | {r['inc_chains_s']:.3f} | {r['inc_total_s']:.3f} "
              f"| {r['inc_evaluated']} | {'yes' if r['same'] else 'NO'} | {r['peak_rss_mb']:.0f} |", flush=True)
        print(f"  (pairs {r['pairs_s']:.1f} s; initial state {r['build_state_s']:.1f} s and first proposals "
              f"{r['first_proposals_s']:.1f} s, once per process; speed-up {r['full_total_s'] / r['inc_total_s']:.0f}x)",
              flush=True)


if __name__ == "__main__":
    main()
