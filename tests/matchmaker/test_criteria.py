"""The four selection criteria (and CØ Investering's three scores) as an assessment (issue 14, item 8)."""

import json

import pytest

from matchmaker.cli import cli
from matchmaker.errors import MatchmakerError
from matchmaker.programmes import criteria, rules
from tests.matchmaker.test_rules import CHECK, INVEST, app, firm, flow, investment

from ..conftest import FakeEmbedder


@pytest.fixture
def db(small_store, monkeypatch, vocab):
    monkeypatch.setattr("matchmaker.matching.embedding.load_embedder", lambda *a, **k: FakeEmbedder())
    monkeypatch.setattr("matchmaker.matching.index.default_vocabulary", lambda: vocab)
    return small_store.url


def by_key(assessment):
    return {c.key: c for c in assessment.criteria}


def evidence(assessment, criterion, item):
    return next(e for e in by_key(assessment)[criterion].evidence if e.key == item)


def test_four_criteria_equal_weight_prefilled_from_the_data():
    a = criteria.assess(app(budget_dkk=500_000, grant_dkk=250_000), CHECK)
    assert [c.key for c in a.criteria] == ["effect", "value_chain", "feasibility", "scaling"]
    assert evidence(a, "effect", "tonnes_quantified").status == "met"
    assert evidence(a, "effect", "baseline").status == "met"            # the offer's fate is stated
    assert evidence(a, "value_chain", "waste_hierarchy").status == "met"  # incineration -> recycling
    assert evidence(a, "value_chain", "offtaker").status == "unknown"     # a letter of intent is not in the data
    assert evidence(a, "value_chain", "offtaker").source == "none"
    assert evidence(a, "feasibility", "budget").status == "met"
    assert a.total is None and not a.complete
    assert any("not scored yet" in g for g in a.gaps)


def test_missing_data_shows_as_missing_and_gaps():
    a, b = firm("A"), firm("B")
    x = criteria.assess(app(a, b, flows=[flow(a, b, q=None, fate=None)]), CHECK)
    assert evidence(x, "effect", "tonnes_quantified").status == "missing"
    assert evidence(x, "effect", "baseline").status == "missing"
    assert any("Quantified reduction in tonnes (missing)" in g for g in x.gaps)


def test_facilitator_completes_scores_and_evidence():
    inputs = {"criteria": {k: {"score": s} for k, s in (("effect", 4), ("value_chain", 3), ("feasibility", 5),
                                                         ("scaling", 2))}}
    inputs["criteria"]["value_chain"]["evidence"] = {"offtaker": True}
    x = criteria.assess(app(budget_dkk=500_000, grant_dkk=250_000, inputs=inputs), CHECK)
    assert x.complete and x.total == 3.5                       # equal weight: the mean
    off = evidence(x, "value_chain", "offtaker")
    assert off.status == "met" and off.source == "facilitator"
    assert by_key(x)["value_chain"].indicative > 0


@pytest.mark.parametrize("doc,message", [({"effect": {"score": 9}}, "from 0 to 5, got 9"),
                                         ({"charm": {}}, "unknown criterion"),
                                         ({"effect": {"evidence": {"baseline": "yes"}}}, "true or false")])
def test_bad_criteria_inputs_are_errors(doc, message):
    assert any(message in p for p in criteria.criteria_problems(doc))
    with pytest.raises(MatchmakerError, match="bad criteria"):
        criteria.assess(app(inputs={"criteria": doc}), CHECK)


def test_investment_assessment_has_three_scores_and_rejects_below_three():
    good = criteria.assess(investment(investment={"stage": "tested"}), INVEST)
    assert [c.key for c in good.criteria] == ["circular_focus", "commercial_investment", "maturity"]
    assert good.complete and good.total == pytest.approx(11 / 3, abs=0.01) and not good.rejected
    m = by_key(good)["maturity"]
    assert {e.key: e.status for e in m.evidence} == {"developed_tested": "met", "within_period": "met"}
    low = criteria.assess(investment(scores={"circular_focus": 2, "commercial_investment": 5, "maturity": 5}), INVEST)
    assert low.rejected


def test_assessment_is_in_the_chain_json_and_the_check_text(runner, db, tmp_path):
    chain = tmp_path / "chain.json"
    chain.write_text(json.dumps({"members": ["K1", "B1"], "lead": "B1", "budget_dkk": 300000, "grant_dkk": 150000,
                                 "criteria": {"effect": {"score": 3}}}), encoding="utf-8")
    out = runner.invoke(cli, ["check", "--chain", str(chain), "--programme", "closing-loops-2-check", "--json", "--db", db])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert doc["assessment"]["criteria"][0]["score"] == 3 and doc["assessment"]["gaps"]
    assert doc["inputs"]["criteria"]["effect"]["score"] == 3
    text = runner.invoke(cli, ["check", "--chain", str(chain), "--programme", "closing-loops-2-check", "--db", db])
    assert "selection criteria (equal weight): incomplete" in text.output and "Effektskabelse" in text.output


def test_check_accepts_an_investment_application(runner, db, tmp_path):
    doc = {"kind": "investment", "firm": "B1", "budget_dkk": 1_000_000, "grant_dkk": 400_000,
           "scores": {"circular_focus": 4, "commercial_investment": 3, "maturity": 4},
           "investment": {"kind": "production_equipment", "stage": "tested", "cost_dkk": 1_000_000,
                          "start": "2026-03-01", "end": "2026-12-31"}}
    path = tmp_path / "inv.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    out = runner.invoke(cli, ["check", "--chain", str(path), "--programme", "co-investering", "--json", "--db", db])
    assert out.exit_code in (0, 3), out.output
    result = json.loads(out.output)
    statuses = {c["rule"]: c["status"] for c in result["checks"]}
    assert statuses["economic_partners"] == "pass" and statuses["production_equipment"] == "pass"
    assert statuses["circular_focus"] == "pass" and "within_period" in statuses
    assert result["assessment"]["kind"] == "investment"
    doc["scores"]["circular_focus"] = 9
    path.write_text(json.dumps(doc), encoding="utf-8")
    bad = runner.invoke(cli, ["check", "--chain", str(path), "--programme", "co-investering", "--db", db])
    assert bad.exit_code == 1 and "from 0 to 5, got 9" in bad.output and "Traceback" not in bad.output
    doc["scores"]["circular_focus"] = 4
    doc["investment"]["kind"] = "demonstration_equipment"
    path.write_text(json.dumps(doc), encoding="utf-8")
    demo = runner.invoke(cli, ["check", "--chain", str(path), "--programme", "co-investering", "--json", "--db", db])
    assert demo.exit_code == 3
    assert {c["rule"]: c["status"] for c in json.loads(demo.output)["checks"]}["production_equipment"] == "fail"


def test_rules_check_is_the_entry_point_for_cases():
    results = rules.check(app(), CHECK)
    assert {r.status for r in results} <= {"pass", "fail", "unknown", "warning"}
