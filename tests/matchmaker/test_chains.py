import dataclasses
from datetime import date

import networkx as nx
import pytest

from matchmaker.chains.chainfile import chain_from_dict, edit_chain
from matchmaker.chains.discovery import find_chains
from matchmaker.chains.impact import Factor, link_impact, totals
from matchmaker.errors import MatchmakerError
from matchmaker.model import Stream
from matchmaker.programmes import rules
from matchmaker.programmes.proposals import evaluate_chain, filter_proposals, propose


def F_of(edges):
    F = nx.DiGraph()
    for a, b, s in edges:
        F.add_edge(a, b, score=s, offer_id=f"{a}>{b}", need_id=f"{b}<{a}")
    return F


def kinds(chains):
    return sorted((c.kind, tuple(c.members)) for c in chains)


def test_pairs_respect_min_score():
    found = find_chains(F_of([("A", "B", 0.9), ("C", "D", 0.2)]), min_score=0.3)
    assert kinds(found) == [("pair", ("A", "B"))]


def test_three_firm_chain_and_length_limit():
    F = F_of([("A", "B", 0.9), ("B", "C", 0.8), ("C", "D", 0.7)])
    assert ("path", ("A", "B", "C")) in kinds(find_chains(F, max_firms=3))
    assert ("path", ("A", "B", "C", "D")) not in kinds(find_chains(F, max_firms=3))
    assert ("path", ("A", "B", "C", "D")) in kinds(find_chains(F, max_firms=4))


def test_loop_found_once_and_links_close_it():
    loops = [c for c in find_chains(F_of([("A", "B", 0.9), ("B", "C", 0.8), ("C", "A", 0.7)]), max_firms=3)
             if c.kind == "loop"]
    assert len(loops) == 1
    assert [(l.from_org, l.to_org) for l in loops[0].links] == [("A", "B"), ("B", "C"), ("C", "A")]


def test_hub_takes_several_suppliers():
    hubs = [c for c in find_chains(F_of([("A", "H", 0.9), ("B", "H", 0.8), ("C", "H", 0.7), ("D", "H", 0.1)]),
                                   max_firms=4, min_score=0.3) if c.kind == "hub"]
    assert kinds(hubs) == [("hub", ("A", "B", "C", "H"))]


def test_no_path_revisits_a_firm():
    for c in find_chains(F_of([("A", "B", 0.9), ("B", "A", 0.9), ("B", "C", 0.9)]), max_firms=4):
        assert len(set(c.members)) == len(c.members)


FACTORS = {"food_organic": Factor("food_organic", "t", 0.5, 0.2, 0.9, "test"),
           "heat_energy": Factor("heat_energy", "MWh", 0.1, 0.05, 0.2, "test")}


def stream(i, direction, q, unit="t/yr", material="food_organic", fate=None):
    return Stream(i, "X", direction, i, "en", material, quantity=q, unit=unit, fate=fate)


def test_impact_flow_is_bounded_by_both_quantities_and_minus_transport():
    li = link_impact(stream("o", "offer", 100, fate="incineration"), stream("n", "need", 40), km=50, factors=FACTORS)
    assert li.tonnes == 40
    assert li.co2e == pytest.approx(40 * 0.5 - 40 * 50 * 0.0001)
    assert (li.co2e_low, li.co2e_high) == (pytest.approx(40 * 0.2 - 0.2), pytest.approx(40 * 0.9 - 0.2))
    assert (li.level_from, li.level_to) == ("disposal", "recycling")
    assert any("min(offered 100, needed 40)" in a for a in li.assumptions)


def test_impact_units_and_unknowns():
    heat = link_impact(stream("o", "offer", 1000, "MWh/yr", "heat_energy"), stream("n", "need", 500, "MWh/yr", "heat_energy"),
                       km=2, factors=FACTORS)
    assert heat.tonnes is None and heat.co2e == pytest.approx(50.0)
    mixed = link_impact(stream("o", "offer", 10), stream("n", "need", 10, "m3/yr"), km=1, factors=FACTORS)
    assert mixed.tonnes is None and mixed.co2e is None and "units differ" in mixed.assumptions[0]
    liquid = link_impact(stream("o", "offer", 10, "m3/yr"), stream("n", "need", 30, "m3/yr"), km=0, factors=FACTORS)
    assert liquid.tonnes == 10
    t = totals([heat, mixed, liquid])
    assert t["tonnes"] == 10 and t["links_quantified"] == 2 and t["links"] == 3


@pytest.fixture
def programme_graph(small_store, index):
    from matchmaker.chains import graph
    G = graph.build_graph(small_store.organisations(), small_store.streams(), index.all_pairs(top=3))
    return graph.firm_graph(G)


def test_proposals_on_the_small_programme(small_store, programme_graph):
    orgs = {o.id: o for o in small_store.organisations()}
    found = propose(programme_graph, list(orgs.values()), small_store.streams(),
                    rules.get_programme("closing-loops-2-check"), min_score=0.05)
    assert found and all("T1" not in p.chain.members for p in found)   # knowledge partners never members
    coffee = next(p for p in found if p.chain.kind == "pair" and p.chain.members == ["K1", "B1"])
    assert coffee.chain.lead_id == "B1" and coffee.chain.budget_dkk == 300_000 and coffee.chain.grant_dkk == 150_000
    assert "T1" in coffee.chain.knowledge_partners
    assert coffee.totals["tonnes"] == 40
    dairy = [p for p in found if "M1" in p.chain.members]
    assert dairy and all(p.eligibility == "fail" for p in dairy)   # Mejeriet Thy is in difficulty
    assert filter_proposals(found, orgs, eligibility="fail") and all(
        p.eligibility == "fail" for p in filter_proposals(found, orgs, eligibility="fail"))
    assert all("Region Nordjylland" in p.regions for p in filter_proposals(found, orgs, region="Region Nordjylland"))


def test_editing_and_rechecking(small_store, programme_graph):
    # the declarations, accounts and staff hours the capacity and de minimis checks read (issue 14)
    declared = dict(de_minimis_regulation="general", de_minimis_declared=date.today().isoformat(),
                    last_accounts_year=date.today().year - 1, equity_eur=100_000)
    orgs = {o.id: dataclasses.replace(o, **declared) for o in small_store.organisations()}
    streams = {s.id: s for s in small_store.streams()}
    prog = rules.get_programme("closing-loops-2-check")
    chain = chain_from_dict({"members": ["K1", "B1"], "lead": "B1", "budget_dkk": 400_000, "grant_dkk": 200_000,
                             "staff": {"B1": {"hours": 300, "rate_dkk": 450}}},
                            orgs, streams, programme_graph)
    assert [(l.offer_id, l.need_id) for l in chain.links][:1] == [("S1", "S2")]
    assert evaluate_chain(chain, orgs, streams, prog).eligibility == "pass"
    bigger = edit_chain(chain, programme_graph, add=["N1"], lead="N1")         # N1 is not an SME
    result = evaluate_chain(bigger, orgs, streams, prog)
    assert result.eligibility == "fail"
    assert next(c for c in result.checks if c.rule == "lead_sme").status == "fail"
    smaller = edit_chain(chain, programme_graph, remove=["K1"])
    assert smaller.lead_id == "B1" and smaller.links == []
    assert evaluate_chain(smaller, orgs, streams, prog).eligibility == "fail"  # one economic partner


def test_bad_chain_files_are_rejected(small_store, programme_graph):
    orgs = {o.id: o for o in small_store.organisations()}
    streams = {s.id: s for s in small_store.streams()}
    for doc, message in [({"members": ["K1", "ZZ"]}, "unknown organisation 'ZZ'"),
                         ({"members": ["K1", "B1"], "lead": "N1"}, "not among the members"),
                         ({"members": []}, "non-empty"),
                         ({"members": ["K1", "B1"], "budget_dkk": -1}, "non-negative"),
                         ({"members": ["K1", "B1"], "colour": 1}, "unknown key"),
                         ({"members": ["K1", "B1"], "links": [{"offer_id": "S2", "need_id": "S1"}]}, "must name an offer")]:
        with pytest.raises(MatchmakerError, match=message):
            chain_from_dict(doc, orgs, streams, programme_graph)
