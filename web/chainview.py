"""The chain a request talks about (a proposal or an edited chain) and its exports."""

from __future__ import annotations

from flask import g, request

from matchmaker.chains.chainfile import chain_from_dict, edit_chain
from matchmaker.chains.discovery import Chain
from matchmaker.errors import MatchmakerError, NotFound
from matchmaker.programmes import rules
from matchmaker.programmes.proposals import Proposal, evaluate_chain, resplit_money

from .exports import excel_csv
from .helpers import arg_float, programme_arg, services
from .i18n import translate


def _edited_chain(svc) -> Chain:
    """The edit form (or a shared link) applied to its base chain with the domain's edit:
    the base chain's links stay unless its members change."""
    members = [m for m in request.values.getlist("members") if m]
    links = []
    for item in request.values.getlist("link"):
        offer_id, _, need_id = item.partition(">")
        links.append({"offer_id": offer_id, "need_id": need_id})
    base = chain_from_dict({"members": members, "links": links,
                            "knowledge_partners": [k for k in request.values.getlist("knowledge") if k]},
                           svc.orgs, svc.streams, svc.firm_graph)
    add = [m.strip() for m in (request.values.get("add") or "").split(",") if m.strip()]
    remove = request.values.getlist("remove")
    unknown = [m for m in add if m not in svc.orgs]
    if unknown:
        raise MatchmakerError(f"unknown organisation(s): {', '.join(unknown)}")
    focus = arg_float("circular_focus", 0, 5)
    budget, grant = arg_float("budget_dkk", 0, 1e10), arg_float("grant_dkk", 0, 1e10)
    chain = edit_chain(base, svc.firm_graph, add=add, remove=remove, lead=request.values.get("lead") or None,
                       budget_dkk=budget, grant_dkk=grant,
                       scores={"circular_focus": focus} if focus is not None else None)
    # partners changed and the money left as shown: split the grant again for the new number of firms
    if (add or remove) and grant == arg_float("grant_shown", 0, 1e10) and budget == arg_float("budget_shown", 0, 1e10):
        g.money_note = resplit_money(chain, rules.get_programme(programme_arg()), svc.orgs, base.members)
    if chain.lead_id not in chain.members:
        chain.lead_id = None
    if not chain.members:
        raise MatchmakerError("a chain needs at least one member")
    return chain


def current_chain(chain_id: str) -> tuple[Proposal, str]:
    svc = services()
    programme_id = programme_arg()
    if chain_id == "custom":
        chain = _edited_chain(svc)
        return evaluate_chain(chain, svc.orgs, svc.streams, rules.get_programme(programme_id)), programme_id
    found = svc.proposal(programme_id, chain_id)
    if found is None:
        raise NotFound(f"no chain {chain_id!r} among the proposals for {programme_id}")
    return found, programme_id


def chain_query(p: Proposal, programme_id: str) -> list[tuple[str, str]]:
    """Query parameters that recreate this chain as an editable 'custom' chain."""
    c = p.chain
    q = [("programme", programme_id)] + [("members", m) for m in c.members]
    q += [("knowledge", k) for k in c.knowledge_partners]
    q += [("link", f"{l.offer_id}>{l.need_id}") for l in c.links]
    if c.lead_id:
        q.append(("lead", c.lead_id))
    for key in ("budget_dkk", "grant_dkk"):
        if getattr(c, key) is not None:
            q.append((key, f"{getattr(c, key):g}"))
    if "circular_focus" in c.scores:
        q.append(("circular_focus", f"{c.scores['circular_focus']:g}"))
    return q


def chain_csv(data: dict, decimal_comma: bool = True) -> str:
    """For Danish Excel by default (web.exports.excel_csv): every text field guarded against formulas."""
    return excel_csv(chain_rows(data), decimal_comma)


def chain_rows(data: dict) -> list[list]:
    """The chain's flows and checks as rows: the CSV export and its .xlsx twin."""
    rows = [["section", "from", "to", "offer", "need", "score", "flow", "unit", "tonnes", "t_co2e",
             "t_co2e_low", "t_co2e_high", "km", "hierarchy_from", "hierarchy_to", "assumptions"]]
    names = data["names"]
    for link, imp in zip(data["links"], data["impact"]):
        rows.append(["flow", names[link["from_org"]], names[link["to_org"]],
                     link["offer_id"], link["need_id"], link["score"], imp["flow"], imp["unit"], imp["tonnes"],
                     imp["co2e"], imp["co2e_low"], imp["co2e_high"], imp["km"], imp["level_from"], imp["level_to"],
                     " | ".join(imp["assumptions"])])
    for check in data["checks"]:
        rows.append(["check", check["rule"], check["status"], "", "", "", "", "", "", "", "", "", "", "", "",
                     translate(check["reason"])])   # the reader's language, as on the page
    return rows
