"""The incrementally kept firm graph, chains and proposals equal a full recompute after
seeded random changes to the demo programme's records and to ranked lists drawn over them."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from matchmaker.chains import graph
from matchmaker.chains.discovery import KNOWLEDGE_KINDS, find_chains
from matchmaker.chains.incremental import Changes, build_state, update_state
from matchmaker.io.importer import import_files
from matchmaker.model import Organisation, Stream
from matchmaker.paths import DATA_DIR
from matchmaker.programmes import rules
from matchmaker.programmes.proposal_cache import ProposalCache
from matchmaker.programmes.proposals import propose
from matchmaker.store import Store


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[list[Organisation], list[Stream]]:
    store = Store(str(tmp_path_factory.mktemp("demo") / "demo.db"))
    import_files(store, [DATA_DIR / "demo" / "organisations.csv", DATA_DIR / "demo" / "streams.csv"])
    return store.organisations(), store.streams()


def ranked(rng: random.Random, sid: str, streams: dict[str, Stream], scores: dict, top: int = 10) -> list:
    """A stream's ranked list: the opposite direction's streams by a pair score drawn once per pair
    (coarse, so firm links tie), sometimes a list's own differing score, and now and then a
    negative or a same-direction entry (build_graph's edge cases)."""
    me = streams[sid]
    entries = []
    for o in streams.values():
        if o.id == sid:
            continue
        key = tuple(sorted((sid, o.id)))
        if key not in scores:  # drawn once per pair; kept until one of the two is edited
            scores[key] = (round(rng.choice([rng.uniform(-0.1, 1.0), rng.choice([0.35, 0.5, 0.8])]), 2),
                           rng.random() < 0.01, {sid: round(rng.uniform(0.2, 1.0), 2)} if rng.random() < 0.03 else {})
        score, any_direction, own = scores[key]
        if o.direction != me.direction or any_direction:
            entries.append((o.id, own.get(sid, score)))
    return sorted(entries, key=lambda e: (-e[1], e[0]))[:top]


def full(orgs: dict, streams: dict, pairs: dict):
    """The full computation, reading everything in the store's order (by id)."""
    F = graph.firm_graph(graph.build_graph(sorted(orgs.values(), key=lambda o: o.id),
                                           sorted(streams.values(), key=lambda s: s.id),
                                           dict(sorted((k, v) for k, v in pairs.items() if v is not None))))
    return F


def edges(F) -> dict:
    return {(a, b): dict(d) for a, b, d in F.edges(data=True)}


def as_dicts(found, orgs) -> list:
    return [p.as_dict(orgs) for p in found]


def random_changes(rng: random.Random, orgs: dict, streams: dict, pairs: dict, scores: dict, step: int) -> Changes:
    """One to a few edits of the kinds the app makes, with the lists that would change."""
    ch = Changes()
    ids = sorted(streams)
    for _ in range(rng.randint(1, 3)):
        what = rng.random()
        if what < 0.35:  # an edited stream: its pair scores and its list move
            sid = rng.choice(ids)
            for key in [k for k in scores if sid in k]:
                del scores[key]
            ch.streams[sid] = streams[sid] = replace(streams[sid], title=streams[sid].title + " (edited)")
        elif what < 0.5:  # moved to another firm or turned around
            sid = rng.choice(ids)
            s = streams[sid]
            s = replace(s, org_id=rng.choice(sorted(orgs))) if rng.random() < 0.5 else \
                replace(s, direction="need" if s.direction == "offer" else "offer")
            ch.streams[sid] = streams[sid] = s
        elif what < 0.65:  # a new stream
            base = streams[rng.choice(ids)]
            s = replace(base, id=f"N{step}-{rng.randrange(10**6)}", org_id=rng.choice(sorted(orgs)))
            ch.streams[s.id] = streams[s.id] = s
        elif what < 0.75:  # a removed stream
            sid = rng.choice(ids)
            del streams[sid]
            ch.streams[sid] = None
            ch.lists[sid] = None
            pairs.pop(sid, None)
        elif what < 0.85:  # an organisation changes kind (in or out of the economic chains)
            oid = rng.choice(sorted(orgs))
            kind = "firm" if orgs[oid].kind in KNOWLEDGE_KINDS else rng.choice(KNOWLEDGE_KINDS)
            ch.orgs[oid] = orgs[oid] = replace(orgs[oid], kind=kind)
        elif what < 0.92:  # a new organisation with one of an existing firm's streams
            base = orgs[rng.choice(sorted(orgs))]
            o = replace(base, id=f"ORG-N{step}-{rng.randrange(10**6)}", name=base.name + " II")
            ch.orgs[o.id] = orgs[o.id] = o
            s = replace(streams[rng.choice(ids)], id=f"NS{step}-{rng.randrange(10**6)}", org_id=o.id)
            ch.streams[s.id] = streams[s.id] = s
        else:  # an organisation leaves with its streams
            oid = rng.choice(sorted(orgs))
            del orgs[oid]
            ch.orgs[oid] = None
            for sid in [sid for sid, s in streams.items() if s.org_id == oid]:
                del streams[sid]
                ch.streams[sid] = None
                ch.lists[sid] = None
                pairs.pop(sid, None)
        ids = sorted(streams)
    # every list ranked again; the ones that differ are what a sync rewrites
    for sid in ids:
        new = ranked(rng, sid, streams, scores)
        if pairs.get(sid) != new:
            ch.lists[sid] = pairs[sid] = new
    return ch


@pytest.mark.parametrize("seed", range(6))
def test_incremental_equals_full_recompute(demo, seed):
    rng = random.Random(seed)
    orgs = {o.id: o for o in demo[0]}
    streams = {s.id: s for s in demo[1]}
    scores: dict = {}
    pairs = {sid: ranked(rng, sid, streams, scores) for sid in sorted(streams)}
    state = build_state(orgs.values(), streams.values(), pairs, whole=True)
    assert edges(state.graph.F) == edges(full(orgs, streams, pairs))
    for step in range(4):
        # a small edit: a few lists rewritten, like one stream's sync
        ch = random_changes(rng, orgs, streams, pairs, scores, step)
        update_state(state, ch)
        F = full(orgs, streams, pairs)
        assert edges(state.graph.F) == edges(F)
        assert {n: dict(d) for n, d in state.graph.F.nodes(data=True)} == {n: dict(d) for n, d in F.nodes(data=True)}
        assert state.chains.found() == find_chains(F)
        economic = F.subgraph([n for n, d in F.nodes(data=True) if d.get("kind") not in KNOWLEDGE_KINDS])
        assert state.economic.found() == find_chains(economic)
        assert state.economic.found(50) == find_chains(economic, limit=50)


def test_chains_and_ties_survive_one_edit(demo):
    """One list rewritten that ties two stream links of the same firms: the firm link names the
    one the full build keeps, and the chains through it are found again."""
    rng = random.Random(7)
    orgs = {o.id: o for o in demo[0]}
    streams = {s.id: s for s in demo[1]}
    scores: dict = {}
    pairs = {sid: ranked(rng, sid, streams, scores) for sid in sorted(streams)}
    state = build_state(orgs.values(), streams.values(), pairs, whole=True)
    sid = next(s for s in sorted(streams) if streams[s].direction == "offer" and pairs[s])
    new = [(o, 0.99) for o, _ in pairs[sid]]  # every counterpart at once the best and tied
    pairs[sid] = new
    update_state(state, Changes(lists={sid: new}))
    F = full(orgs, streams, pairs)
    assert edges(state.graph.F) == edges(F)
    found = state.chains.found()
    assert found == find_chains(F)
    assert any(l.offer_id == sid for c in found for l in c.links)


def test_proposals_reuse_unchanged_evaluations(demo):
    rng = random.Random(3)
    orgs = {o.id: o for o in demo[0]}
    streams = {s.id: s for s in demo[1]}
    scores: dict = {}
    pairs = {sid: ranked(rng, sid, streams, scores) for sid in sorted(streams)}
    prog = rules.get_programme("vaerdikaedeafklaring")
    state = build_state(orgs.values(), streams.values(), pairs)
    cache = ProposalCache(prog, candidates=400)
    first = cache.propose(state.economic, orgs, streams)
    assert as_dicts(first, orgs) == as_dicts(propose(full(orgs, streams, pairs), list(orgs.values()),
                                                     list(streams.values()), prog, candidates=400), orgs)
    assert cache.evaluated == len(first) == 400
    for step in range(3):
        ch = random_changes(rng, orgs, streams, pairs, scores, step)
        update_state(state, ch)
        found = cache.propose(state.economic, orgs, streams)
        expected = propose(full(orgs, streams, pairs), sorted(orgs.values(), key=lambda o: o.id),
                           sorted(streams.values(), key=lambda s: s.id), prog, candidates=400)
        assert as_dicts(found, orgs) == as_dicts(expected, orgs)
    # nothing changed: nothing evaluated again, and the earlier result is not altered by the ranking
    kept = as_dicts(found, orgs)
    again = cache.propose(state.economic, orgs, streams)
    assert cache.evaluated == 0 and as_dicts(again, orgs) == kept == as_dicts(found, orgs)


def test_state_follows_the_store_after_a_row_by_row_sync(tmp_path, fake_embedder, vocab, monkeypatch):
    """The app's path: an edit, sync_changed row by row, read_changes, update_state; equal to a
    state built from the store's ranked lists afterwards."""
    from matchmaker.chains.incremental import read_changes
    from matchmaker.freshness import mark_stale
    from matchmaker.matching import stored

    monkeypatch.setattr("matchmaker.matching.index.default_vocabulary", lambda: vocab)  # one vocabulary throughout
    monkeypatch.setattr("matchmaker.matching.textmodel.FROZEN_FROM", 0)
    monkeypatch.setattr("matchmaker.matching.textmodel.DRIFT", 1e9)
    monkeypatch.setattr("matchmaker.matching.stored.ROW_UPDATE_MAX", 1.0)
    from matchmaker.matching import rowupdate
    calls, real = [], rowupdate.rerank
    monkeypatch.setattr("matchmaker.matching.rowupdate.rerank", lambda *a: calls.append(1) or real(*a))
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    import_files(store, [DATA_DIR / "demo" / "organisations.csv", DATA_DIR / "demo" / "streams.csv"])
    pairs = stored.ranked_pairs(store, fake_embedder)
    state = build_state(store.organisations(), store.streams(), pairs)
    streams = store.streams()
    rng = random.Random(5)
    for step in range(3):
        a, b = rng.sample(streams, 2)
        edited = replace(a, title=b.title, description=b.description)  # another stream's words: it moves
        with store.transaction() as conn:
            store.upsert(conn, [], [edited])
            mark_stale(conn, [edited.id])
        stored.sync_changed(store, [edited.id], fake_embedder)
        assert len(calls) == step + 1, "the sync did not go row by row"
        changes = read_changes(store, state, [edited.id])
        assert changes is not None and changes.lists and edited.id in changes.streams
        update_state(state, changes)
        orgs, now = store.organisations(), store.streams()
        F = graph.firm_graph(graph.build_graph(orgs, now, stored.ranked_pairs(store, fake_embedder)))
        assert edges(state.graph.F) == edges(F)
        economic = F.subgraph([n for n, d in F.nodes(data=True) if d.get("kind") not in KNOWLEDGE_KINDS])
        assert state.economic.found() == find_chains(economic)
