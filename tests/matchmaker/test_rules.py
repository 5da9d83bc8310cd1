import dataclasses
import json
from datetime import date

import pytest

from matchmaker.chains.impact import link_impact
from matchmaker.model import Organisation, Stream
from matchmaker.programmes import rules
from matchmaker.programmes.rules import FAIL, PASS, UNKNOWN, WARN, Application, Flow

TODAY = date(2026, 3, 1)


def firm(i="A", **kw):
    base = dict(id=i, name=f"Firm {i}", kind="firm", sector="food_bio", postcode="8000", employees=20,
                turnover_eur=2e6, balance_sheet_eur=1e6, in_difficulty=False, primary_production=False,
                de_minimis_eur=0, closed_financial_years=5, nace="10.51", de_minimis_regulation="general",
                de_minimis_declared="2026-01-15", last_accounts_year=2025, equity_eur=500_000)
    base.update(kw)
    return Organisation(**base)


CHECK = rules.get_programme("closing-loops-2-check")
COLLAB = rules.get_programme("closing-loops-2-collaboration")
CLAR = rules.get_programme("vaerdikaedeafklaring")
INVEST = rules.get_programme("co-investering")
FOOD = rules.get_programme("closing-loops-2-food-bio")
BUILD = rules.get_programme("closing-loops-2-construction")
TEXTILE = rules.get_programme("closing-loops-2-textile-lifestyle")


def flow(sender, receiver, material="food_organic", q=100, score=0.8, need_text="", fate="incineration", unit="t/yr",
         counted=True):
    offer = Stream(f"{sender.id}-o", sender.id, "offer", f"{material} offer", "en", material, quantity=q, unit=unit, fate=fate)
    need = Stream(f"{receiver.id}-n", receiver.id, "need", need_text or f"{material} wanted", "en", material,
                  quantity=q, unit=unit)
    li = link_impact(offer, need, 10, receiver=receiver)
    li.counted = counted
    return Flow(offer, need, sender, receiver, score, li)


def app(*firms, lead="A", flows=None, **kw):
    firms = firms or (firm("A"), firm("B"))
    kw.setdefault("sector", "food_bio")
    kw.setdefault("as_of", TODAY)
    if flows is None and len(firms) >= 2:
        flows = [flow(firms[0], firms[1])]
    a = Application(list(firms), lead, flows=flows or [], **kw)
    a.inputs.setdefault("staff", {f.id: {"hours": 200, "rate_dkk": 400} for f in firms})
    return a


def status(rule, a, prog=CHECK):
    return next(r for r in rules.check(a, prog) if r.rule == rule)


def test_programmes_ship_with_the_three_thematic_projects():
    assert set(rules.programmes()) == {"vaerdikaedeafklaring", "closing-loops-2-check", "closing-loops-2-collaboration",
                                       "co-investering", "closing-loops-2-food-bio", "closing-loops-2-construction",
                                       "closing-loops-2-textile-lifestyle"}
    assert (FOOD.sectors, BUILD.sectors, TEXTILE.sectors) == (["food_bio"], ["construction"], ["textile_lifestyle"])
    with pytest.raises(rules.NotFound, match="known: closing-loops-2-check"):
        rules.get_programme("nope")


def test_a_new_ceiling_is_a_file_edit(tmp_path):
    doc = json.loads((rules.DATA_DIR / "programmes" / "closing-loops-2-check.json").read_text(encoding="utf-8"))
    doc["de_minimis_ceiling_eur"] = 100_000
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    tighter = rules.load_programme(path)
    a = app(firm("A", de_minimis_eur=95_000), firm("B"), grant_dkk=2 * 7.46 * 10_000)
    assert status("de_minimis", a, CHECK).status == PASS
    assert status("de_minimis", a, tighter).status == FAIL
    doc["surprise"] = 1
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(rules.ConfigError, match="unknown keys"):
        rules.load_programme(path)


def test_two_economic_partners():
    assert status("economic_partners", app(firm("A"))).status == FAIL
    assert status("economic_partners", app(firm("A"), firm("B"))).status == PASS


# -- item 5: the lead ---------------------------------------------------------------

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


@pytest.mark.parametrize("kind", ["knowledge_institution", "public_body"])
def test_a_knowledge_institution_or_public_body_as_lead_fails(kind):
    uni = Organisation("U", "Uni", kind, "food_bio", "8000")
    a = app(firm("A"), firm("B"), lead="U", others=[uni])
    result = status("lead_sme", a)
    assert result.status == FAIL and "not an enterprise" in result.reason


@pytest.mark.parametrize("group,expected", [
    ({"group_employees": 249}, PASS), ({"group_employees": 250}, FAIL),
    ({"group_employees": 100, "group_turnover_eur": 60e6, "group_balance_sheet_eur": 50e6}, FAIL),
])
def test_linked_and_partner_enterprises_count_towards_the_sme_thresholds(group, expected):
    result = status("lead_sme", app(firm("A", employees=20, **group), firm("B")))
    assert result.status == expected and "linked and partner" in result.reason


def test_no_lead_is_unknown_not_pass():
    assert status("lead_sme", app(lead=None)).status == UNKNOWN


# -- item 6: themes -------------------------------------------------------------------

def test_theme_comes_from_the_flows_not_the_lead_sector():
    a, b = firm("A", sector="other"), firm("B", sector="environmental_tech")
    concrete = app(a, b, flows=[flow(a, b, "concrete_mineral")], sector="environmental_tech")
    assert status("sector_scope", concrete, BUILD).status == PASS
    assert status("sector_scope", concrete, FOOD).status == FAIL
    assert "material concrete_mineral" in status("sector_scope", concrete, BUILD).reason
    # a material of no theme votes for the receiver's sector
    plastic = app(a, firm("C", sector="textile_lifestyle"), flows=[flow(a, firm("C", sector="textile_lifestyle"), "plastic")])
    assert status("sector_scope", plastic, TEXTILE).status == PASS
    assert status("sector_scope", app(flows=[], sector=None), FOOD).status == UNKNOWN
    assert status("sector_scope", app(sector="environmental_tech", flows=[]), CLAR).status == PASS


def test_theme_override_needs_the_facilitator_and_says_so():
    a, b = firm("A"), firm("B")
    x = app(a, b, flows=[flow(a, b, "plastic")], inputs={"overrides": {"theme": {"value": "construction",
                                                                                  "reason": "PVC window frames"}}})
    result = status("sector_scope", x, BUILD)
    assert result.status == PASS and "PVC window frames" in result.reason


def test_budget_at_the_level_of_is_a_warning_a_facilitator_can_accept():
    assert status("budget_window", app(budget_dkk=750_001)).status == WARN
    accepted = app(budget_dkk=800_000, inputs={"overrides": {"budget_window": {"accept": True, "reason": "two sites"}}})
    result = status("budget_window", accepted)
    assert result.status == PASS and "two sites" in result.reason
    # a hard cap cannot be accepted away
    over = app(budget_dkk=500_000, grant_dkk=260_000, inputs={"overrides": {"aid_intensity": {"accept": True, "reason": "x"}}})
    assert status("aid_intensity", over).status == FAIL


@pytest.mark.parametrize("budget,expected", [(299_999, WARN), (300_000, PASS), (750_000, PASS), (750_001, WARN),
                                             (None, UNKNOWN)])
def test_budget_window(budget, expected):
    assert status("budget_window", app(budget_dkk=budget)).status == expected


@pytest.mark.parametrize("budget,track,expected_cap", [(500_000, None, "50%"), (3_000_000, None, "61%"),
                                                       (1_000_000, "collaboration", "61%")])
def test_thematic_files_pick_the_model_by_track_or_budget(budget, track, expected_cap):
    a = app(budget_dkk=budget, grant_dkk=budget * 0.4, inputs={"track": track} if track else {})
    assert expected_cap in status("aid_intensity", a, FOOD).reason
    assert status("budget_window", app(budget_dkk=1_000_000), FOOD).status == UNKNOWN  # fits neither, none named


# -- item 1: primary production --------------------------------------------------------

def test_dairy_whey_to_pig_feed_is_primary_production_by_the_flow():
    dairy, pigs = firm("A", nace="10.51"), firm("B", nace="01.46", primary_production=True,
                                                 de_minimis_regulation="agriculture")
    result = status("no_primary_production", app(dairy, pigs, flows=[flow(dairy, pigs, need_text="whey for pig feed")]))
    assert result.status == FAIL and "NACE 01.46" in result.reason


def test_farm_surplus_vegetables_to_a_canteen_passes_and_the_farm_is_named():
    farm, canteen = firm("A", nace="01.13", primary_production=True), firm("B", nace="56.29")
    result = status("no_primary_production", app(farm, canteen, flows=[flow(farm, canteen)]))
    assert result.status == PASS, result.reason
    assert "Firm A (agriculture)" in result.reason and "de minimis" in result.reason


def test_feed_use_counts_when_the_receiver_nace_is_unknown():
    a, b = firm("A"), firm("B", nace=None, primary_production=None)
    assert status("no_primary_production", app(a, b, flows=[flow(a, b, need_text="Spent grain as cattle feed")])).status == FAIL
    assert status("no_primary_production", app(a, b, flows=[flow(a, b, need_text="grain for brewing")])).status == UNKNOWN


def test_facilitator_override_of_primary_production_with_reason():
    dairy, pigs = firm("A"), firm("B", nace="01.46")
    a = app(dairy, pigs, flows=[flow(dairy, pigs)],
            inputs={"overrides": {"primary_production": {"value": False, "reason": "the project is the dairy's drying line"}}})
    result = status("no_primary_production", a)
    assert result.status == PASS and "drying line" in result.reason and "computed" in result.reason


# -- item 2: de minimis declaration ------------------------------------------------------

@pytest.mark.parametrize("received,grant,expected", [
    (300_000 - 20_000, 20_000 * 7.46 * 2, PASS),      # exactly EUR 300,000 with the grant: allowed
    (300_000 - 20_000, 20_000 * 7.46 * 2 + 2, FAIL),  # a little over
    (None, 100_000, UNKNOWN),
])
def test_de_minimis_ceiling_boundaries(received, grant, expected):
    result = status("de_minimis", app(firm("A", de_minimis_eur=received), firm("B"), grant_dkk=grant))
    assert result.status == expected, result.reason


@pytest.mark.parametrize("reg,ceiling", [("agriculture", 50_000), ("fisheries", 40_000)])
def test_primary_producers_get_their_regulations_ceiling(reg, ceiling):
    nace = "01.13" if reg == "agriculture" else "03.11"
    ok = app(firm("A"), firm("B", nace=nace, de_minimis_regulation=reg, de_minimis_eur=ceiling - 10_000),
             grant_dkk=2 * 10_000 * 7.46)
    assert status("de_minimis", ok).status == PASS
    over = dataclasses.replace(ok, grant_dkk=2 * 10_001 * 7.46)
    assert status("de_minimis", over).status == FAIL
    wrong = app(firm("A"), firm("B", nace=nace, de_minimis_regulation="general"), grant_dkk=10_000)
    result = status("de_minimis", wrong)
    assert result.status == UNKNOWN and f"under the {reg} regulation" in result.reason


@pytest.mark.parametrize("kw,missing", [({"de_minimis_declared": None}, "the declaration's date"),
                                        ({"de_minimis_regulation": None}, "which regulation"),
                                        ({"de_minimis_declared": "2024-12-31"}, "older than 365 days")])
def test_missing_or_outdated_declaration_is_unknown_with_what_is_missing(kw, missing):
    result = status("de_minimis", app(firm("A", **kw), firm("B"), grant_dkk=100_000))
    assert result.status == UNKNOWN and missing in result.reason


def test_declaration_exactly_at_the_validity_window_is_current():
    a = app(firm("A", de_minimis_declared="2025-03-01"), firm("B"), grant_dkk=100_000)   # 365 days before TODAY
    assert status("de_minimis", a).status == PASS


def test_per_firm_grants_must_add_up_to_the_case_grant():
    assert status("grant_split", app(grant_dkk=200_000, grants_dkk={"A": 120_000, "B": 80_000})).status == PASS
    result = status("grant_split", app(grant_dkk=200_000, grants_dkk={"A": 120_000, "B": 70_000}))
    assert result.status == FAIL and "190,000" in result.reason
    assert status("grant_split", app(grants_dkk={"A": 1})).status == UNKNOWN
    assert status("grant_split", app(grant_dkk=1, grants_dkk={"Z": 1})).status == FAIL


def test_firm_in_difficulty():
    assert status("not_in_difficulty", app(firm("A"), firm("B", in_difficulty=True))).status == FAIL
    assert status("not_in_difficulty", app(firm("A"), firm("B", in_difficulty=None))).status == UNKNOWN
    assert status("not_in_difficulty", app()).status == PASS


# -- item 3: capacity ----------------------------------------------------------------------

def test_staff_capacity_hours_against_full_time_equivalents():
    # closing-loops-2-check runs 6 months: 2 FTE x 1,720 h x 6/12 = 1,720 h
    small = firm("A", employees=2)
    fits = app(small, firm("B"), inputs={"staff": {"A": {"hours": 1720, "rate_dkk": 450}}})
    assert status("staff_capacity", fits).status == PASS
    over = app(small, firm("B"), inputs={"staff": {"A": {"hours": 1721, "rate_dkk": 450}}})
    assert status("staff_capacity", over).status == FAIL
    none = app(small, firm("B"), inputs={"staff": {}})
    assert status("staff_capacity", none).status == UNKNOWN
    unknown = app(firm("A", employees=None), firm("B"), inputs={"staff": {"A": {"hours": 10, "rate_dkk": 450}}})
    assert status("staff_capacity", unknown).status == UNKNOWN


def test_wages_above_the_budget_fail():
    a = app(inputs={"staff": {"A": {"hours": 1000, "rate_dkk": 500}}}, budget_dkk=400_000)
    assert status("staff_capacity", a).status == FAIL


@pytest.mark.parametrize("year,expected", [(2024, PASS), (2023, FAIL), (None, UNKNOWN)])
def test_last_closed_accounts(year, expected):
    assert status("accounts_recent", app(firm("A", last_accounts_year=year), firm("B"))).status == expected


@pytest.mark.parametrize("equity,expected", [(0, PASS), (-1, FAIL), (None, UNKNOWN)])
def test_economic_capacity(equity, expected):
    assert status("economic_capacity", app(firm("A", equity_eur=equity), firm("B"))).status == expected


# -- item 4: a real resource flow ------------------------------------------------------------

def test_a_link_below_the_threshold_is_no_link():
    a, b = firm("A"), firm("B")
    weak = app(a, b, flows=[flow(a, b, "concrete_mineral", q=500, score=0.10, counted=False)])
    result = status("resource_flow", weak)
    assert result.status == FAIL and "0.10" in result.reason
    assert status("effect_quantified", weak).status == FAIL
    assert status("resource_flow", app(a, b, flows=[flow(a, b, score=0.3)])).status == PASS


def test_unquantified_flow_fails_the_effect_rule():
    a, b = firm("A"), firm("B")
    assert status("effect_quantified", app(a, b, flows=[flow(a, b, q=None)])).status == FAIL
    already = status("effect_quantified", app(a, b, flows=[flow(a, b, fate="sold")]))
    assert already.status == WARN and "already used" in already.reason


def test_energy_only_chains_are_flagged():
    a, b = firm("A"), firm("B")
    heat = app(a, b, flows=[flow(a, b, "heat_energy", q=1000, unit="MWh/yr")])
    assert status("resource_type", heat).status == WARN
    assert "resource_type" not in {r.rule for r in rules.check(app(a, b), CHECK)}


def test_a_partner_on_no_flow_is_a_warning():
    a, b, c = firm("A"), firm("B"), firm("C")
    assert status("resource_flow", app(a, b, c, flows=[flow(a, b)])).status == WARN


# -- item 10: the clarification guide --------------------------------------------------------

def test_clarification_grant_per_firm_is_a_guide():
    assert status("grant_per_firm", app(grant_dkk=200_000), CLAR).status == PASS
    over = status("grant_per_firm", app(grant_dkk=200_002), CLAR)
    assert over.status == WARN and "not a cap" in over.reason
    assert status("grant_per_firm", app(), CLAR).status == UNKNOWN


# -- item 7: CØ Investering ----------------------------------------------------------------------

def investment(**kw):
    inv = {"kind": "production_equipment", "start": "2026-03-01", "end": "2027-02-28", "cost_dkk": 1_000_000}
    inv.update(kw.pop("investment", {}))
    a = app(firm("A", **kw.pop("firm", {})), kind="investment", budget_dkk=1_000_000, grant_dkk=400_000,
            scores=kw.pop("scores", {"circular_focus": 4, "commercial_investment": 3, "maturity": 4}),
            inputs={"investment": inv, "staff": {"A": {"hours": 100, "rate_dkk": 400}}}, **kw)
    return a


@pytest.mark.parametrize("kw,rule,expected", [
    ({"employees": 2}, "min_employees", PASS), ({"employees": 1.9}, "min_employees", FAIL),
    ({"employees": None}, "min_employees", UNKNOWN),
    ({"closed_financial_years": 1}, "min_closed_financial_years", PASS),
    ({"closed_financial_years": 0}, "min_closed_financial_years", FAIL),
    ({"closed_financial_years": None}, "min_closed_financial_years", UNKNOWN),
])
def test_investment_objective_criteria(kw, rule, expected):
    assert status(rule, investment(firm=kw), INVEST).status == expected


@pytest.mark.parametrize("score,expected", [(3, PASS), (2.9, FAIL), (None, UNKNOWN)])
def test_investment_circular_focus_minimum(score, expected):
    scores = {"commercial_investment": 3, "maturity": 3} | ({} if score is None else {"circular_focus": score})
    assert status("circular_focus", investment(scores=scores), INVEST).status == expected


def test_a_score_of_9_of_5_is_an_error():
    assert rules.score_problems({"circular_focus": 9}) == ["score circular_focus must be a number from 0 to 5, got 9"]
    assert rules.score_problems({"charm": 3})
    assert status("scores_valid", investment(scores={"circular_focus": 9}), INVEST).status == FAIL


@pytest.mark.parametrize("kind,expected", [("production_equipment", PASS), ("facilities", PASS),
                                           ("demonstration_equipment", FAIL), (None, UNKNOWN)])
def test_investment_is_production_equipment(kind, expected):
    assert status("production_equipment", investment(investment={"kind": kind}), INVEST).status == expected


@pytest.mark.parametrize("end,expected", [("2027-02-28", PASS), ("2027-03-02", FAIL), (None, UNKNOWN)])
def test_investment_finishes_within_the_period(end, expected):
    assert status("within_period", investment(investment={"end": end}), INVEST).status == expected


def test_investment_records_the_budget_line_and_private_share():
    sjaelland = status("investment_budget", investment(firm={"postcode": "4000"}), INVEST)
    assert sjaelland.status == PASS and "Region Sjælland" in sjaelland.reason and "private investment 60%" in sjaelland.reason
    other = status("investment_budget", investment(firm={"postcode": "8000"}), INVEST)
    assert "Øvrige regioner" in other.reason


def test_investment_has_no_sector_restriction_and_is_one_firm():
    assert status("sector_scope", investment(sector="other"), INVEST).status == PASS
    two = dataclasses.replace(investment(), firms=[firm("A"), firm("B")])
    assert status("economic_partners", two, INVEST).status == FAIL
    full = investment()
    assert rules.overall(rules.check(full, INVEST)) == PASS, [r for r in rules.check(full, INVEST) if r.status != PASS]


def test_input_problems_name_what_is_wrong():
    problems = rules.input_problems({"overrides": {"primary_production": {"value": False}},
                                     "staff": {"Z": {"hours": 1, "rate_dkk": 2}, "A": {"hours": -1, "rate_dkk": 1}},
                                     "investment": {"start": "soon"}}, {"A"})
    assert any("needs a reason" in p for p in problems)
    assert any("'Z' is not an economic partner" in p for p in problems)
    assert any("non-negative" in p for p in problems)
    assert any("start must be a date" in p for p in problems)


def test_overall_is_fail_then_unknown_then_pass_and_warnings_stay_visible():
    assert rules.overall([rules.CheckResult("a", PASS, ""), rules.CheckResult("b", UNKNOWN, "")]) == UNKNOWN
    assert rules.overall([rules.CheckResult("a", FAIL, ""), rules.CheckResult("b", UNKNOWN, "")]) == FAIL
    assert rules.overall([rules.CheckResult("a", PASS, ""), rules.CheckResult("b", WARN, "")]) == PASS
    full = app(budget_dkk=500_000, grant_dkk=250_000)
    assert rules.overall(rules.check(full, CHECK)) == PASS, [r for r in rules.check(full, CHECK) if r.status != PASS]


def test_ready_but_for_application_counts_only_application_inputs_as_waiting():
    from matchmaker.programmes.rules import CheckResult, ready_but_for_application
    ok = CheckResult("economic_partners", "pass", "2 firms")
    staff = CheckResult("staff_capacity", "unknown", "hours not stated")
    declaration = CheckResult("de_minimis", "unknown", "declaration missing")
    assert ready_but_for_application([ok, staff])
    assert not ready_but_for_application([ok])                       # passes outright: not "waiting"
    assert not ready_but_for_application([ok, staff, declaration])   # data the firm must supply is missing
    assert not ready_but_for_application([CheckResult("lead_sme", "fail", "1345 employees"), staff])
