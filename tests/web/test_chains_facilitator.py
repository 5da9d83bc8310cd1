"""Chains for a facilitator (issue 17, item 4): orderings of the same firms are one proposal,
'all members in the region', region and km columns, sorting and pages, a plain-language
'why proposed' with materials and rule names, re-check keeps the links and splits the grant again."""

from __future__ import annotations

import re

from matchmaker.chains.discovery import Chain
from matchmaker.programmes.proposals import Proposal, filter_proposals, group_permutations, sort_proposals

PROG = "vaerdikaedeafklaring"


def _p(cid: str, members: list[str], rank: float, regions: list[str], co2: float = 0.0, km: float = 0.0) -> Proposal:
    return Proposal(Chain(cid, members, [], None), [], {"co2e": co2, "km": km, "tonnes": 0.0}, [], "pass",
                    rank_score=rank, regions=regions)


def test_orderings_of_the_same_firms_are_one_proposal_and_the_cache_is_untouched():
    ps = [_p("a", ["X", "Y", "Z"], 0.9, ["R1"]), _p("b", ["Y", "Z", "X"], 0.8, ["R1"]), _p("c", ["X", "Y"], 0.7, ["R1"]),
          _p("d", ["Z", "X", "Y"], 0.6, ["R1"])]
    ids = [p.chain.id for p in ps]
    grouped = group_permutations(ps)
    assert [p.chain.id for p in grouped] == [ids[0], ids[2]] and grouped[0].alternatives == [ids[1], ids[3]]
    assert ps[0].alternatives == []  # a copy: the cached proposal is shared by other requests
    assert [p.chain.id for p in group_permutations(ps)] == [ids[0], ids[2]]


def test_region_any_or_all_and_sorting():
    ps = [_p("a", ["X", "Y"], 0.9, ["Region Midtjylland", "Region Hovedstaden"], co2=5, km=120),
          _p("b", ["X", "Z"], 0.5, ["Region Midtjylland"], co2=50, km=10)]
    a, b = ps
    assert filter_proposals(ps, {}, region="Region Midtjylland") == [a, b]
    assert filter_proposals(ps, {}, region="Region Midtjylland", region_mode="all") == [b]
    assert sort_proposals(ps, "co2e") == [b, a] and sort_proposals(ps, "km") == [b, a] and sort_proposals(ps, "rank") == [a, b]


def test_chains_page_columns_pages_and_why(client):
    html = client.get("/chains", query_string={"programme": PROG, "top": "1"}).get_data(as_text=True)
    assert "<th>km</th>" in html and "Region</th>" in html
    assert 'id="next-page"' in html and "Page 1 of" in html
    html2 = client.get("/chains", query_string={"programme": PROG, "top": "1", "page": "2"}).get_data(as_text=True)
    first = re.search(r'href="/chains/([^"?]+)\?', html).group(1)
    second = re.search(r'href="/chains/([^"?]+)\?', html2).group(1)
    assert first != second
    data = client.get("/api/chains", query_string={"programme": PROG, "top": "1000"}).get_json()
    sets = [frozenset(c["members"]) for c in data["chains"]]
    assert len(sets) == len(set(sets))  # no two proposals of the same firms
    page = client.get(f"/chains/{first}", query_string={"programme": PROG}).get_data(as_text=True)
    why = page.split('id="why-proposed"')[1].split("</section>")[0]
    assert "can use for" in why and "Rank" in why and "CO2e" in why
    assert "lead_sme" not in page  # rule names, not codes


def test_recheck_keeps_links_and_splits_the_grant_when_partners_change(client):
    base = [("programme", PROG), ("members", "K1"), ("members", "B1"), ("link", "S1>S2")]
    page = client.get("/chains/custom", query_string=base).get_data(as_text=True)
    form = re.search(r'<form method="get" action="/chains/custom" class="edit" id="edit-form">(.*?)</form>', page, re.S).group(1)
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
    budget = re.search(r'name="budget_dkk"[^>]*value="([^"]*)"', form).group(1)
    grant = re.search(r'name="grant_dkk"[^>]*value="([^"]*)"', form).group(1)
    again = client.get("/chains/custom", query_string=fields + [("budget_dkk", budget), ("grant_dkk", grant)])
    before, after = client.get("/chains/custom.json", query_string=base).get_json(), \
        client.get("/chains/custom.json", query_string=fields + [("budget_dkk", budget), ("grant_dkk", grant)]).get_json()
    assert again.status_code == 200 and after["links"] == before["links"] and after["totals"] == before["totals"]
    # a partner added, money left as shown: proposed again for three firms, with a note
    grown = client.get("/chains/custom", query_string=fields + [("budget_dkk", budget), ("grant_dkk", grant), ("add", "F1")])
    html = grown.get_data(as_text=True)
    if grant:  # the programme proposes a per-firm grant
        assert 'id="money-note"' in html and "from 2 to 3 firms" in html


def test_adding_a_partner_to_a_proposal_splits_the_grant_again(client):
    chain = client.get("/api/chains", query_string={"programme": PROG}).get_json()["chains"][0]
    assert chain["grant_dkk"] is not None
    page = client.get(f"/chains/{chain['id']}", query_string={"programme": PROG}).get_data(as_text=True)
    form = re.search(r'id="edit-form">(.*?)</form>', page, re.S).group(1)
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
    money = [(n, re.search(rf'name="{n}"[^>]*value="([^"]*)"', form).group(1)) for n in ("budget_dkk", "grant_dkk")]
    outsider = next(o for o in ("F1", "M1", "V1", "N1", "R1", "K1", "B1") if o not in chain["members"])
    firms = len(chain["economic_partners"])
    html = client.get("/chains/custom", query_string=fields + money + [("add", outsider)]).get_data(as_text=True)
    assert 'id="money-note"' in html and f"from {firms} to {firms + 1} firms" in html
    grown = client.get("/chains/custom.json", query_string=fields + money + [("add", outsider)]).get_json()
    assert grown["grant_dkk"] != chain["grant_dkk"]
    # the user typed another grant: it is kept, no note
    typed = [("budget_dkk", money[0][1]), ("grant_dkk", "12345")]
    html = client.get("/chains/custom", query_string=fields + typed + [("add", outsider)]).get_data(as_text=True)
    assert 'id="money-note"' not in html
