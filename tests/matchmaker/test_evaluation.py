"""The real benchmark, ranking metrics, grouped cross-validation, the weight guard and labels from use."""

import json

import numpy as np
import pytest

from matchmaker.cli import cli
from matchmaker.matching import fitting
from matchmaker.matching.benchmark import BENCHMARK_DIR, BenchmarkError, load_benchmark, records
from matchmaker.matching.evaluation import org_groups
from matchmaker.matching.features import COMPONENTS
from matchmaker.matching.ranking import Queries, cross_validate, fit_listwise, fold_of_groups, metrics, ranks
from matchmaker.matching.weights import WEIGHTS_FILE, MatchWeights

from ..conftest import FakeEmbedder

# -- the benchmark ---------------------------------------------------------------------


def test_benchmark_loads_both_parts_with_sites_for_foreign_firms():
    bench = load_benchmark(BENCHMARK_DIR)
    assert bench.parts == ["nordic", "world"] and len(bench.exchanges) >= 100
    roles = [s["role"] for s in bench.streams.values()]
    assert roles.count("distractor") >= roles.count("exchange") - 10
    orgs, streams, sites = records(bench, "da", "en")
    by_id = {s.id: s for s in streams}
    assert {s.language for s in streams if s.direction == "offer"} == {"da"}
    assert {s.language for s in streams if s.direction == "need"} == {"en"}
    assert by_id["N-STR-0001"].title.startswith("Røggasgips")
    assert "W-ORG-001" in sites and "N-ORG-001" not in sites  # Rotterdam by lat/lon, Kalundborg by postcode
    assert next(o for o in orgs if o.id == "N-ORG-001").postcode == "4400"


def test_benchmark_errors_name_file_and_line(tmp_path):
    part = tmp_path / "p"
    part.mkdir()
    (part / "organisations.csv").write_text("org_id,name,kind,sector,country,postcode,lat,lon\nA,A,firm,other,NL,,52,4\n")
    (part / "streams.csv").write_text("stream_id,org_id,direction,role,title_en,title_da,material\n"
                                      "S1,A,offer,exchange,x,y,unobtainium\n")
    (part / "exchanges.csv").write_text("exchange_id,offer_stream_id,need_stream_id\n")
    with pytest.raises(BenchmarkError, match=r"streams.csv line 2: material 'unobtainium'"):
        load_benchmark(tmp_path)


def test_foreign_sites_give_distances(fake_embedder, vocab):
    from matchmaker.matching.index import MatchIndex
    bench = load_benchmark(BENCHMARK_DIR / "world")
    orgs, streams, sites = records(bench)
    index = MatchIndex(orgs, streams, fake_embedder, vocab, MatchWeights.default(), sites=sites)
    match = index.explain_pair("W-STR-0001", "W-STR-0005")  # Shell Pernis CO2 -> greenhouses near Rotterdam
    assert match.km is not None and match.km < 60


# -- ranks, ties, cross-validation -------------------------------------------------------


def queries(X, pos, groups, cand_groups=None, cells=None):
    X = np.asarray(X, dtype=float)
    valid = np.ones(X.shape[:2], dtype=bool)
    cg = np.asarray(cand_groups) if cand_groups is not None else np.tile(np.asarray(groups)[:, None], (1, X.shape[1]))
    return Queries(X, valid, np.asarray(pos), np.asarray(groups), cg, cells or ["offer->need en-en"] * len(pos), [],
                   tuple(f"c{i}" for i in range(X.shape[2])))


def test_ties_count_against_the_method():
    scores = np.array([[0.5, 0.5, 0.5, 0.1], [0.9, 0.5, 0.1, 0.1]])
    valid = np.ones_like(scores, dtype=bool)
    assert ranks(scores, valid, np.array([0, 0])).tolist() == [3, 1]
    valid[0, 1] = False  # a padded or filtered candidate does not count
    assert ranks(scores, valid, np.array([0, 0])).tolist() == [2, 1]
    m = metrics(np.array([1, 3, 20]))
    assert m["recall@1"] == pytest.approx(1 / 3) and m["recall@5"] == pytest.approx(2 / 3)
    assert m["mrr"] == pytest.approx((1 + 1 / 3 + 1 / 20) / 3)


def test_listwise_fit_is_non_negative_and_finds_the_signal():
    rng = np.random.default_rng(0)
    X = rng.random((60, 20, 3))
    X[:, 0, 0] += 1.0          # column 0 marks the true partner
    X[:, 0, 2] -= 0.5          # column 2 is anti-correlated: its weight must stop at 0
    w = fit_listwise(queries(X, np.zeros(60, dtype=int), np.arange(60)))
    assert (w >= 0).all() and w[0] > 1.0 and w[2] == 0.0


def test_folds_keep_every_organisation_on_one_side():
    groups = org_groups(["a", "b", "c", "d", "e"], [("a", "b"), ("b", "c")])
    assert groups["a"] == groups["b"] == groups["c"] != groups["d"] != groups["e"]
    folds = fold_of_groups(np.array([0, 0, 0, 1, 2, 2]), k=2)
    assert folds[0] != folds[2] or folds[0] != folds[1]
    # a training query never sees a test-fold candidate: a candidate column that marks only the
    # test fold's candidates would be learnt if it leaked; with the fold mask its weight stays 0
    rng = np.random.default_rng(1)
    n = 40
    X = rng.random((n, 10, 2))
    X[:, 0, 0] += 1.0
    group = np.arange(n) % 4
    cand = np.tile(group[:, None], (1, 10))
    cand[:, 5] = (group + 1) % 4           # candidate 5 of every query belongs to another group
    r, fitted = cross_validate(queries(X, np.zeros(n, dtype=int), group, cand), [0, 1], k=4)
    assert len(fitted) == 4 and (r >= 1).all() and np.mean(r == 1) > 0.8


# -- the guard -------------------------------------------------------------------------


def six_component_queries(signal: str, n: int = 80, seed: int = 0) -> Queries:
    """Generated queries where one component marks the true partner."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, 30, len(COMPONENTS) + 1))
    X[:, 0, COMPONENTS.index(signal)] += 0.6
    q = queries(X, np.zeros(n, dtype=int), np.arange(n) % 10)
    q.columns = COMPONENTS + ("embedding",)
    return q


def test_guard_ships_fitted_weights_only_when_they_beat_defaults(tmp_path):
    path = tmp_path / "w.json"
    report = fitting.guard(six_component_queries("quantity"), {"benchmark": "generated"}, path)
    assert report.shipped == "fitted" and report.scores["fitted"] > report.scores["defaults"]
    saved = json.loads(path.read_text())
    assert saved["record"]["shipped"] == "fitted" and saved["record"]["folds"] == 5
    assert all(v >= 0 for v in saved["coef"].values())
    assert saved["coef"]["quantity"] == max(saved["coef"].values())


def test_guard_keeps_previous_weights_when_the_refit_is_not_better(tmp_path):
    path = tmp_path / "w.json"
    good = MatchWeights.default()
    good.coef_ = {c: (10.0 if c == "semantic" else 0.0) for c in COMPONENTS}
    good.record = {"shipped": "fitted", "cv_score": {"fitted": 1.0}}
    good.save(path)
    before = path.read_bytes()
    # semantic marks the partner and the other columns are noise: the previous weights are
    # already the ideal ranking, so a refit cannot beat them
    report = fitting.guard(six_component_queries("semantic", n=40), {"benchmark": "generated"}, path)
    assert report.shipped == "previous" and report.written is None and path.read_bytes() == before
    assert report.scores["previous"] >= report.scores["fitted"]


def test_guard_ships_defaults_when_fitting_does_not_help(tmp_path):
    # no component carries any signal: the fitted weights cannot beat the defaults, which ship with the record
    rng = np.random.default_rng(3)
    X = rng.random((50, 30, len(COMPONENTS) + 1))
    X[:, :, 0] = 0.5  # every candidate ties on semantic
    q = queries(X, np.zeros(50, dtype=int), np.arange(50) % 10)
    q.columns = COMPONENTS + ("embedding",)
    path = tmp_path / "w.json"
    report = fitting.guard(q, {"benchmark": "generated"}, path)
    if report.shipped == "defaults":
        assert MatchWeights.load(path).is_default() and MatchWeights.load(path).record["shipped"] == "defaults"
    else:  # a lucky fit on noise must at least beat the defaults it replaced
        assert report.scores["fitted"] > report.scores["defaults"]


# -- the shipped file ------------------------------------------------------------------


def test_shipped_weights_are_non_negative_and_recorded():
    weights = MatchWeights.load(WEIGHTS_FILE)
    assert all(v >= 0 for v in weights.coef_.values())
    record = weights.record
    assert record["data"]["benchmark"] == "data/benchmark" and record["folds"] >= 2
    assert record["shipped"] in ("fitted", "defaults")
    assert set(record["cv_score"]) >= {"fitted", "defaults"}
    if record["shipped"] == "fitted":
        assert record["cv_score"]["fitted"] > record["cv_score"]["defaults"]
    else:
        assert weights.is_default()


@pytest.mark.slow
def test_recorded_score_reproduces_with_the_real_model():
    from matchmaker.matching.embedding import load_embedder
    weights = MatchWeights.load(WEIGHTS_FILE)
    recorded, recomputed = fitting.recorded_score_reproduces(weights, load_embedder(weights.record["data"]["model"]))
    assert recomputed == pytest.approx(recorded, abs=0.002)


# -- the commands ----------------------------------------------------------------------


@pytest.fixture
def fake_model(monkeypatch, vocab):
    monkeypatch.setattr("matchmaker.matching.embedding.load_embedder", lambda *a, **k: FakeEmbedder())
    monkeypatch.setattr("matchmaker.matching.index.default_vocabulary", lambda: vocab)


def test_eval_reports_every_direction_pairing_and_method(runner, store, fake_model):
    result = runner.invoke(cli, ["eval", "--benchmark", str(BENCHMARK_DIR / "world"), "--json", "--db", store.url])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    cells = {(r["method"], r["direction"], r["pairing"]) for r in doc["rows"]}
    for method in ("hybrid (fitted, CV)", "hybrid (default weights)", *COMPONENTS, "embedding (raw text)"):
        for direction in ("offer->need", "need->offer"):
            for pairing in ("en-en", "da-da", "da-en", "en-da", "all"):
                assert (method, direction, pairing) in cells
    assert doc["data"]["exchanges"] == 61
    assert all(m["rank"] > 10 for m in doc["missed"])


def test_fit_dry_run_writes_nothing(runner, store, fake_model, monkeypatch, tmp_path):
    target = tmp_path / "w.json"
    monkeypatch.setattr("matchmaker.matching.fitting.WEIGHTS_FILE", target)
    monkeypatch.setattr("matchmaker.matching.weights.WEIGHTS_FILE", target)
    result = runner.invoke(cli, ["fit", "--benchmark", str(BENCHMARK_DIR / "world"), "--dry-run", "--db", store.url])
    assert result.exit_code == 0, result.output
    assert "cross-validated mean MRR" in result.output and not target.exists()
