"""Chain proposals: discovered chains completed with a lead, knowledge partners,
proposed money, impact, the programme checks and a rank; plus filters."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field, replace

import networkx as nx
import numpy as np

from matchmaker.chains.discovery import KNOWLEDGE_KINDS, Chain, find_chains
from matchmaker.chains.impact import LinkImpact, chain_impact, totals
from matchmaker.errors import MatchmakerError
from matchmaker.matching.features import distance_km, site_vectors
from matchmaker.model import Organisation, Stream
from matchmaker.programmes import criteria, rules
from matchmaker.reference import postcodes


@dataclass
class Proposal:
    chain: Chain
    impact: list[LinkImpact]
    totals: dict
    checks: list[rules.CheckResult]
    eligibility: str
    rank_score: float = 0.0
    regions: list[str] = field(default_factory=list)
    assessment: criteria.Assessment | None = None
    alternatives: list[str] = field(default_factory=list)  # other orderings of the same firms (group_permutations)

    def as_dict(self, orgs: dict[str, Organisation]) -> dict:
        c = self.chain
        return {
            "id": c.id, "kind": c.kind, "members": c.members,
            "economic_partners": [m for m in c.members if orgs[m].kind == "firm"],
            "names": {m: orgs[m].name for m in c.members + c.knowledge_partners},
            "lead": c.lead_id, "sector": c.sector, "regions": self.regions,
            "links": [l.__dict__ for l in c.links], "knowledge_partners": c.knowledge_partners,
            "budget_dkk": c.budget_dkk, "grant_dkk": c.grant_dkk, "grants_dkk": c.grants_dkk, "scores": c.scores,
            "quality": round(c.quality, 4), "rank_score": round(self.rank_score, 4),
            "impact": [li.__dict__ for li in self.impact], "totals": self.totals,
            "eligibility": self.eligibility, "checks": rules.as_dicts(self.checks),
            "inputs": c.inputs, "assessment": self.assessment.as_dict() if self.assessment else None,
            "alternatives": list(self.alternatives), "km": self.totals.get("km"),
        }


def _km(a: Organisation, b: Organisation) -> float:
    p, q = postcodes()[a.postcode], postcodes()[b.postcode]
    sites = site_vectors(np.array([p.latitude, q.latitude]), np.array([p.longitude, q.longitude]))
    return float(distance_km(sites[:1], sites[1:])[0, 0])


def default_lead(chain: Chain, orgs: dict[str, Organisation]) -> str | None:
    """The receiving SME of the first link (the processor), else the first SME member."""
    firms = [m for m in chain.members if orgs[m].kind == "firm"]
    order = ([chain.members[-1]] if chain.kind == "hub" else []) + [l.to_org for l in chain.links] + firms
    for m in order:
        if m in firms and rules.sme_status(orgs[m])[0] == rules.PASS:
            return m
    return firms[0] if firms else None


def chain_sector(chain: Chain, orgs: dict[str, Organisation], streams: dict[str, Stream] | None = None) -> str | None:
    """The chain's focus: the theme of its resource flows (rules.focus_theme), else the lead's sector."""
    if streams is not None and chain.links:
        theme, _ = rules.focus_theme(_flows(chain, orgs, streams, None))
        if theme:
            return theme
    if chain.lead_id in orgs:
        return orgs[chain.lead_id].sector
    sectors = Counter(orgs[m].sector for m in chain.members)
    return sectors.most_common(1)[0][0] if sectors else None


def suggest_knowledge_partners(chain: Chain, orgs: dict[str, Organisation], streams: dict[str, Stream],
                               top: int = 3) -> list[str]:
    """Knowledge institutions, clusters and hubs by sector, competence and (for hubs) the lead's region."""
    words = set()
    for l in chain.links:
        for sid in (l.offer_id, l.need_id):
            s = streams[sid]
            words |= {s.material.replace("_", " ")} | set(s.title.lower().split())
    lead_region = postcodes()[orgs[chain.lead_id].postcode].region if chain.lead_id in orgs else None
    scored = []
    for o in orgs.values():
        if o.kind not in KNOWLEDGE_KINDS:
            continue
        score = 2.0 * (o.sector == chain.sector) + sum(
            1.0 for comp in o.competences if any(w in comp.lower() or comp.lower() in w for w in words if len(w) > 3))
        if o.kind == "business_hub" and postcodes()[o.postcode].region == lead_region:
            score += 2.0
        if score > 0:
            scored.append((score, o.id))
    return [oid for _, oid in sorted(scored, key=lambda x: (-x[0], x[1]))[:top]]


def propose_money(chain: Chain, prog: rules.Programme, orgs: dict[str, Organisation]) -> None:
    """Proposed defaults a facilitator is expected to edit: the window's lowest budget at the
    highest aid intensity, or the per-firm grant of the clarification model."""
    n = sum(orgs[m].kind == "firm" for m in chain.members)
    budget, grant = rules.default_money(prog, n)
    if grant is not None:
        chain.budget_dkk, chain.grant_dkk = budget, grant


def _flows(chain: Chain, orgs: dict[str, Organisation], streams: dict[str, Stream],
           prog: rules.Programme | None) -> list[rules.Flow]:
    """The chain's links with their impact (below the programme's plausibility threshold: not counted)."""
    kms = [round(_km(orgs[l.from_org], orgs[l.to_org]), 1) for l in chain.links]
    impact = chain_impact(chain.links, streams, orgs, kms, prog.min_link_score if prog else None)
    return [rules.Flow(streams[l.offer_id], streams[l.need_id], orgs[l.from_org], orgs[l.to_org], l.score, li)
            for l, li in zip(chain.links, impact)]


def evaluate_chain(chain: Chain, orgs: dict[str, Organisation], streams: dict[str, Stream],
                   prog: rules.Programme | None) -> Proposal:
    missing = [m for m in chain.members + chain.knowledge_partners if m not in orgs]
    if missing:
        raise MatchmakerError(f"unknown organisation(s) in chain: {', '.join(missing)}")
    if chain.lead_id is not None and chain.lead_id not in chain.members + chain.knowledge_partners:
        raise MatchmakerError(f"lead {chain.lead_id!r} is neither a member nor a knowledge partner of the chain")
    firms = [orgs[m] for m in chain.members if orgs[m].kind == "firm"]
    problems = rules.input_problems(chain.inputs, {f.id for f in firms}) + criteria.criteria_problems(
        chain.inputs.get("criteria")) + rules.score_problems(chain.scores)
    if problems:
        raise MatchmakerError("bad application: " + "; ".join(problems))
    flows = _flows(chain, orgs, streams, prog)
    chain.sector = chain.sector or chain_sector(chain, orgs, streams)
    impact = [f.impact for f in flows]
    checks: list[rules.CheckResult] = []
    assessment = None
    if prog is not None:
        others = [orgs[m] for m in chain.members + chain.knowledge_partners if orgs[m].kind != "firm"]
        app = rules.Application(firms, chain.lead_id, chain.sector, chain.budget_dkk, chain.grant_dkk,
                                chain.grants_dkk, chain.scores, others=others, flows=flows, inputs=chain.inputs,
                                kind="investment" if chain.kind == "investment" else "chain")
        checks = rules.check(app, prog)
        assessment = criteria.assess(app, prog, checks)
    regions = sorted({postcodes()[orgs[m].postcode].region for m in chain.members})
    return Proposal(chain, impact, totals(impact), checks, rules.overall(checks) if checks else "unchecked",
                    regions=regions, assessment=assessment)


ELIGIBILITY_WEIGHT = {"pass": 1.0, "unchecked": 0.8, "unknown": 0.7, "fail": 0.3}


def propose(F: nx.DiGraph, orgs: list[Organisation], streams: list[Stream], prog: rules.Programme | None = None,
            max_firms: int = 4, min_score: float = 0.3, candidates: int = 3000) -> list[Proposal]:
    """Discover, complete, check and rank chains (best first)."""
    by_org = {o.id: o for o in orgs}
    by_stream = {s.id: s for s in streams}
    economic = F.subgraph([n for n, d in F.nodes(data=True) if d.get("kind") not in KNOWLEDGE_KINDS])
    return rank([complete(chain, by_org, by_stream, prog)
                 for chain in find_chains(economic, max_firms=max_firms, min_score=min_score, limit=candidates)])


def complete(chain: Chain, by_org: dict[str, Organisation], by_stream: dict[str, Stream],
             prog: rules.Programme | None) -> Proposal:
    """A discovered chain with its lead, sector, knowledge partners and money, evaluated (edits `chain`)."""
    chain.lead_id = default_lead(chain, by_org)
    chain.sector = chain_sector(chain, by_org, by_stream)
    chain.knowledge_partners = suggest_knowledge_partners(chain, by_org, by_stream)
    if prog is not None:
        propose_money(chain, prog, by_org)
    return evaluate_chain(chain, by_org, by_stream, prog)


def rank(proposals: list[Proposal]) -> list[Proposal]:
    """Set each proposal's rank score (quality, impact against the best, feasibility); best first."""
    best_co2 = max((max(p.totals["co2e"], 0.0) for p in proposals), default=0.0)
    for p in proposals:
        impact = math.log1p(max(p.totals["co2e"], 0.0)) / math.log1p(best_co2) if best_co2 > 0 else 0.0
        km = [li.km or 0.0 for li in p.impact]
        nearness = sum(math.exp(-k / 200.0) for k in km) / len(km) if km else 0.0
        feasibility = nearness * ELIGIBILITY_WEIGHT[p.eligibility]
        p.rank_score = 0.5 * p.chain.quality + 0.3 * impact + 0.2 * feasibility
    return sorted(proposals, key=lambda p: (-p.rank_score, p.chain.id))


def filter_proposals(proposals: list[Proposal], orgs: dict[str, Organisation], sector: str | None = None,
                     region: str | None = None, min_score: float | None = None, eligibility: str | None = None,
                     firms: int | None = None, kind: str | None = None, region_mode: str = "any") -> list[Proposal]:
    """`region_mode` 'any': some member is in `region`; 'all': every member is."""
    out = []
    for p in proposals:
        if sector and p.chain.sector != sector:
            continue
        if region and (set(p.regions) != {region} if region_mode == "all" else region not in p.regions):
            continue
        if min_score is not None and p.chain.min_score < min_score:
            continue
        if eligibility and p.eligibility != eligibility:
            continue
        if firms and sum(orgs[m].kind == "firm" for m in p.chain.members) != firms:
            continue
        if kind and p.chain.kind != kind:
            continue
        out.append(p)
    return out


def group_permutations(proposals: list[Proposal]) -> list[Proposal]:
    """One proposal per set of firms: the best-ranked ordering stands for the others, whose ids
    it lists as alternatives (the input is best first; so is the output)."""
    kept: dict[frozenset[str], Proposal] = {}
    for p in proposals:
        key = frozenset(p.chain.members)
        if key in kept:
            if p.chain.id not in kept[key].alternatives:
                kept[key].alternatives.append(p.chain.id)
        else:
            kept[key] = replace(p, alternatives=[])  # a copy: the cached proposals are shared by requests
    return list(kept.values())


SORTS = {"rank": lambda p: -p.rank_score, "co2e": lambda p: -(p.totals.get("co2e") or 0.0),
         "tonnes": lambda p: -(p.totals.get("tonnes") or 0.0), "km": lambda p: p.totals.get("km") or 0.0,
         "firms": lambda p: len(p.chain.members)}


def sort_proposals(proposals: list[Proposal], by: str = "rank") -> list[Proposal]:
    """By rank (best first), CO2e or tonnes (most first), km of links or firms (fewest first); ties by rank."""
    key = SORTS[by]
    return sorted(proposals, key=lambda p: (key(p), -p.rank_score, p.chain.id))


def why_proposed(p: Proposal, orgs: dict[str, Organisation], streams: dict[str, Stream]) -> list[dict]:
    """The reasons for a proposal as facts a page turns into sentences: each link (who gives
    which material to whom, and how well it matches), what the chain moves and avoids, how
    the rank was made and where the checks stand."""
    facts: list[dict] = []
    for link, li in zip(p.chain.links, p.impact):
        offer, need = streams.get(link.offer_id), streams.get(link.need_id)
        facts.append({"kind": "link", "from": orgs[link.from_org].name if link.from_org in orgs else link.from_org,
                      "to": orgs[link.to_org].name if link.to_org in orgs else link.to_org,
                      "offer": offer.title if offer else link.offer_id, "need": need.title if need else link.need_id,
                      "material": offer.material if offer else None, "score": link.score, "km": li.km})
    facts.append({"kind": "impact", "tonnes": p.totals.get("tonnes"), "co2e": p.totals.get("co2e"),
                  "km": p.totals.get("km")})
    facts.append({"kind": "rank", "rank": p.rank_score, "quality": p.chain.quality})
    failing = [c.rule for c in p.checks if c.status == rules.FAIL]
    unknown = [c.rule for c in p.checks if c.status == rules.UNKNOWN]
    facts.append({"kind": "checks", "status": p.eligibility, "failing": failing, "unknown": unknown})
    if p.alternatives:
        facts.append({"kind": "alternatives", "count": len(p.alternatives)})
    return facts


def resplit_money(chain: Chain, prog: rules.Programme | None, orgs: dict[str, Organisation],
                  members_before: list[str]) -> dict | None:
    """After partners change, the proposed money follows the new number of firms (the
    clarification grant is per firm): returns what changed, for a note, or None."""
    firms_before = sum(orgs[m].kind == "firm" for m in members_before if m in orgs)
    firms_now = sum(orgs[m].kind == "firm" for m in chain.members if m in orgs)
    if prog is None or firms_now == firms_before:
        return None
    before = (chain.budget_dkk, chain.grant_dkk)
    propose_money(chain, prog, orgs)
    if (chain.budget_dkk, chain.grant_dkk) == before:
        return None
    return {"firms_before": firms_before, "firms": firms_now, "grant_before": before[1], "grant": chain.grant_dkk,
            "budget_before": before[0], "budget": chain.budget_dkk}
