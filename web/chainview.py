"""The chain a request talks about (a proposal or an edited chain) and its exports."""

from __future__ import annotations

import csv
import io

from flask import request

from matchmaker.programmes import rules
from matchmaker.chains.chainfile import chain_from_dict
from matchmaker.errors import MatchmakerError, NotFound
from matchmaker.io.exporter import guard_formula
from matchmaker.chains.proposals import Proposal, evaluate_chain

from .helpers import arg_float, programme_arg, services


def edited_chain_doc() -> dict:
    """The edit form (or a shared link) as a chain document."""
    members = [m for m in request.values.getlist("members") if m]
    members += [m.strip() for m in (request.values.get("add") or "").split(",") if m.strip() and m.strip() not in members]
    remove = set(request.values.getlist("remove"))
    members = [m for m in members if m not in remove]
    doc: dict = {"members": members, "lead": request.values.get("lead") or None,
                 "budget_dkk": arg_float("budget_dkk", 0, 1e10), "grant_dkk": arg_float("grant_dkk", 0, 1e10),
                 "knowledge_partners": [k for k in request.values.getlist("knowledge") if k]}
    if doc["lead"] not in members:
        doc["lead"] = None
    focus = arg_float("circular_focus", 0, 5)
    if focus is not None:
        doc["scores"] = {"circular_focus": focus}
    return doc


def current_chain(chain_id: str) -> tuple[Proposal, str]:
    svc = services()
    programme_id = programme_arg()
    if chain_id == "custom":
        doc = edited_chain_doc()
        chain = chain_from_dict(doc, svc.orgs, svc.streams, svc.firm_graph)
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
    if c.lead_id:
        q.append(("lead", c.lead_id))
    for key in ("budget_dkk", "grant_dkk"):
        if getattr(c, key) is not None:
            q.append((key, f"{getattr(c, key):g}"))
    if "circular_focus" in c.scores:
        q.append(("circular_focus", f"{c.scores['circular_focus']:g}"))
    return q


def chain_csv(data: dict) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["section", "from", "to", "offer", "need", "score", "flow", "unit", "tonnes", "t_co2e",
                "t_co2e_low", "t_co2e_high", "km", "hierarchy_from", "hierarchy_to", "assumptions"])
    names = data["names"]
    for link, imp in zip(data["links"], data["impact"]):
        w.writerow(["flow", guard_formula(names[link["from_org"]]), guard_formula(names[link["to_org"]]),
                    link["offer_id"], link["need_id"], link["score"], imp["flow"], imp["unit"], imp["tonnes"],
                    imp["co2e"], imp["co2e_low"], imp["co2e_high"], imp["km"], imp["level_from"], imp["level_to"],
                    guard_formula(" | ".join(imp["assumptions"]))])
    for check in data["checks"]:
        w.writerow(["check", check["rule"], check["status"], "", "", "", "", "", "", "", "", "", "", "", "",
                    guard_formula(check["reason"])])
    return out.getvalue()


def require_members(doc: dict) -> None:
    if not doc["members"]:
        raise MatchmakerError("a chain needs at least one member")
