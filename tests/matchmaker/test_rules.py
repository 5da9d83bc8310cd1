import dataclasses

import pytest

from matchmaker.model import Organisation
from matchmaker.programmes import rules
from matchmaker.programmes.rules import FAIL, PASS, UNKNOWN, Application


def firm(i="A", **kw):
    base = dict(id=i, name=f"Firm {i}", kind="firm", sector="food_bio", postcode="8000", employees=20,
                turnover_eur=2e6, balance_sheet_eur=1e6, in_difficulty=False, primary_production=False,
                de_minimis_eur=0, closed_financial_years=5)
    base.update(kw)
    return Organisation(**base)


CHECK = rules.get_programme("closing-loops-2-check")
COLLAB = rules.get_programme("closing-loops-2-collaboration")
CLAR = rules.get_programme("vaerdikaedeafklaring")
INVEST = rules.get_programme("co-investering")


def status(rule, app, prog=CHECK):
    return next(r for r in rules.check(app, prog) if r.rule == rule)


def app(*firms, lead="A", **kw):
    firms = firms or (firm("A"), firm("B"))
    kw.setdefault("sector", "food_bio")
    return Application(list(firms), lead, **kw)


def test_all_four_programmes_ship():
    assert set(rules.programmes()) == {"vaerdikaedeafklaring", "closing-loops-2-check",
                                       "closing-loops-2-collaboration", "co-investering"}
    with pytest.raises(rules.NotFound, match="known: closing-loops-2-check"):
        rules.get_programme("nope")


def test_two_economic_partners():
    assert status("economic_partners", app(firm("A"))).status == FAIL
    assert status("economic_partners", app(firm("A"), firm("B"))).status == PASS


@pytest.mark.parametrize("kw,expected", [
    ({"employees": 249}, PASS), ({"employees": 250}, FAIL), ({"employees": None}, UNKNOWN),
    ({"turnover_eur": 50_000_000, "balance_sheet_eur": 99e6}, PASS),
    ({"turnover_eur": 50_000_001, "balance_sheet_eur": 43_000_000}, PASS),
    ({"turnover_eur": 50_000_001, "balance_sheet_eur": 43_000_001}, FAIL),
    ({"turnover_eur": 60e6, "balance_sheet_eur": None}, UNKNOWN),
])
def test_lead_sme_boundaries(kw, expected):
    result = status("lead_sme", app(firm("A", **kw), firm("B")))
    assert result.status == expected, result.reason
    assert "Firm A" in result.reason


def test_no_lead_is_unknown_not_pass():
    assert status("lead_sme", app(lead=None)).status == UNKNOWN


def test_sector_scope():
    assert status("sector_scope", app(sector="environmental_tech")).status == FAIL   # not in Closing Loops 2.0
    assert status("sector_scope", app(sector="environmental_tech"), CLAR).status == PASS
    assert status("sector_scope", app(sector=None)).status == UNKNOWN


def test_primary_production():
    assert status("no_primary_production", app(firm("A", primary_production=True), firm("B"))).status == FAIL
    partner = status("no_primary_production", app(firm("A"), firm("B", primary_production=True)))
    assert partner.status == PASS and "Firm B" in partner.reason
    assert status("no_primary_production", app(firm("A", primary_production=None), firm("B"))).status == UNKNOWN


@pytest.mark.parametrize("received,grant,expected", [
    (300_000 - 20_000, 20_000 * 7.46 * 2, PASS),      # exactly EUR 300,000 with the grant: allowed
    (300_000 - 20_000, 20_000 * 7.46 * 2 + 2, FAIL),  # a little over
    (None, 100_000, UNKNOWN),
])
def test_de_minimis_ceiling_boundaries(received, grant, expected):
    result = status("de_minimis", app(firm("A", de_minimis_eur=received), firm("B"), grant_dkk=grant))
    assert result.status == expected, result.reason


def test_de_minimis_rate_is_configurable():
    a = app(firm("A", de_minimis_eur=295_000), firm("B"), grant_dkk=2 * 37_300)  # EUR 5,000 at 7.46
    assert status("de_minimis", a).status == PASS
    assert status("de_minimis", a, dataclasses.replace(CHECK, dkk_per_eur=7.0)).status == FAIL


def test_no_grant_means_unknown_de_minimis():
    assert status("de_minimis", app()).status == UNKNOWN


def test_firm_in_difficulty():
    assert status("not_in_difficulty", app(firm("A"), firm("B", in_difficulty=True))).status == FAIL
    assert status("not_in_difficulty", app(firm("A"), firm("B", in_difficulty=None))).status == UNKNOWN
    assert status("not_in_difficulty", app()).status == PASS


@pytest.mark.parametrize("budget,expected", [(299_999, FAIL), (300_000, PASS), (750_000, PASS), (750_001, FAIL),
                                             (None, UNKNOWN)])
def test_budget_window(budget, expected):
    assert status("budget_window", app(budget_dkk=budget)).status == expected


@pytest.mark.parametrize("prog,grant,expected", [(CHECK, 250_000, PASS), (CHECK, 250_001, FAIL),
                                                 (COLLAB, 1_830_000, PASS), (COLLAB, 1_830_001, FAIL)])
def test_aid_intensity_cap(prog, grant, expected):
    budget = 500_000 if prog is CHECK else 3_000_000
    result = status("aid_intensity", app(budget_dkk=budget, grant_dkk=grant), prog)
    assert result.status == expected, result.reason
    assert status("aid_intensity", app(budget_dkk=budget), prog).status == UNKNOWN


def test_clarification_grant_per_firm():
    assert status("grant_per_firm", app(grant_dkk=200_000), CLAR).status == PASS
    assert status("grant_per_firm", app(grant_dkk=200_002), CLAR).status == FAIL
    assert status("grant_per_firm", app(), CLAR).status == UNKNOWN


@pytest.mark.parametrize("kw,rule,expected", [
    ({"employees": 2}, "min_employees", PASS), ({"employees": 1.9}, "min_employees", FAIL),
    ({"employees": None}, "min_employees", UNKNOWN),
    ({"closed_financial_years": 1}, "min_closed_financial_years", PASS),
    ({"closed_financial_years": 0}, "min_closed_financial_years", FAIL),
    ({"closed_financial_years": None}, "min_closed_financial_years", UNKNOWN),
])
def test_investment_objective_criteria(kw, rule, expected):
    assert status(rule, app(firm("A", **kw)), INVEST).status == expected


@pytest.mark.parametrize("score,expected", [(3, PASS), (2.9, FAIL), (None, UNKNOWN)])
def test_investment_circular_focus_minimum(score, expected):
    scores = {} if score is None else {"circular_focus": score}
    assert status("circular_focus", app(firm("A"), scores=scores), INVEST).status == expected


def test_overall_is_fail_then_unknown_then_pass():
    assert rules.overall([rules.CheckResult("a", PASS, ""), rules.CheckResult("b", UNKNOWN, "")]) == UNKNOWN
    assert rules.overall([rules.CheckResult("a", FAIL, ""), rules.CheckResult("b", UNKNOWN, "")]) == FAIL
    full = app(budget_dkk=500_000, grant_dkk=250_000)
    assert rules.overall(rules.check(full, CHECK)) == PASS
