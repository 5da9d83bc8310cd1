"""A per-case application draft (.docx, python-docx): members and roles, the resource flow, the
effect with its calculation and assumptions, the formal checks, and the selection-criteria
evidence with every gap marked. A draft for the facilitator and the firms to complete, never a
finished application: each figure says where it comes from.
"""

from __future__ import annotations

import io
from datetime import date

from docx import Document
from docx.shared import Pt, RGBColor

from matchmaker.chains.discovery import Chain, Link
from matchmaker.model import HIERARCHY_NAMES, Organisation, Stream
from matchmaker.programmes import lifecycle, rules
from matchmaker.programmes.cases import ELEMENT_LABELS, ROLE_LABELS, Case
from matchmaker.programmes.portfolio import get_portfolio
from matchmaker.programmes.proposals import Proposal, evaluate_chain
from matchmaker.reference import postcodes

GAP = "GAP"


def evaluate(case: Case, orgs: dict[str, Organisation], streams: dict[str, Stream]) -> tuple[rules.Programme, Proposal]:
    """The case as a chain, checked and assessed like a proposal under its track's programme (the
    clarification model until an application track is chosen). A flow a facilitator added by hand
    has no match score: it counts as a confirmed link (score 1)."""
    portfolio = get_portfolio(case.programme_id)
    track = case.track if case.track in portfolio.tracks else "clarification"
    prog = portfolio.track_programme(track)
    owner = {s.id: s.org_id for s in streams.values()}
    knowledge = [m for m in case.member_ids("knowledge_partner") if m in orgs]
    members = [m for m in case.member_ids() if m not in knowledge and m in orgs]
    links = [Link(l.offer_id, l.need_id, owner[l.offer_id], owner[l.need_id], 1.0 if l.score is None else l.score)
             for l in case.links if l.offer_id in owner and l.need_id in owner]
    chain = Chain("investment" if track == "investment" else "custom", members, links, case.lead_id, knowledge,
                  case.budget_dkk, case.grant_dkk, sector=case.sector)
    return prog, evaluate_chain(chain, orgs, streams, prog)


def formal_checks(case: Case, orgs: dict[str, Organisation], streams: dict[str, Stream]) -> tuple[rules.Programme, list[rules.CheckResult]]:
    prog, proposal = evaluate(case, orgs, streams)
    return prog, proposal.checks


def criteria_evidence(case: Case, orgs: dict[str, Organisation], streams: dict[str, Stream]) -> list[dict]:
    """The selection criteria of the case's programme (matchmaker.programmes.criteria): per criterion
    its score or indicative score and each evidence item, None where the application has a gap."""
    _, proposal = evaluate(case, orgs, streams)
    if proposal.assessment is None:
        return []
    out = []
    for c in proposal.assessment.criteria:
        score = f"score {c.score:g} of 5" if c.score is not None else f"not scored yet; indicative {c.indicative:g} of 5"
        points = [{"point": e.text, "evidence": (f"{e.note or 'shown by the data'} ({e.source})" if e.status == "met" else None),
                   "status": e.status, "note": e.note} for e in c.evidence]
        out.append({"criterion": f"{c.name} ({c.name_da}): {score}", "points": points, "gaps": c.gaps})
    return out


def _table(doc, header: list[str], rows: list[list]) -> None:
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    for cell, text in zip(t.rows[0].cells, header):
        cell.text = text
        for r in cell.paragraphs[0].runs:
            r.bold = True
    for row in rows:
        cells = t.add_row().cells
        for cell, value in zip(cells, row):
            cell.text = "" if value is None else str(value)


def _gap(paragraph, text: str) -> None:
    run = paragraph.add_run(text)
    run.bold = True
    run.font.color.rgb = RGBColor(0xB0, 0x00, 0x20)


def draft(case: Case, orgs: dict[str, Organisation], streams: dict[str, Stream], today: date | None = None) -> bytes:
    today = today or date.today()
    prog, proposal = evaluate(case, orgs, streams)
    checks = proposal.checks
    doc = Document()
    doc.styles["Normal"].font.size = Pt(10)
    doc.add_heading(f"{case.number}: {case.title}", level=0)
    doc.add_paragraph(f"Application draft for {prog.name}. Phase: {lifecycle.PHASE_LABELS[case.phase]} since {case.phase_date}. "
                      f"Drafted {today.isoformat()} from the Matchmaker store; every figure below says where it comes from, "
                      f"and every {GAP} is something the application still has to document.")

    doc.add_heading("Members and roles", level=1)
    rows = []
    for m in case.members:
        o = orgs.get(m.org_id)
        region = postcodes()[o.postcode].region if o and o.postcode in postcodes() else ""
        sme = rules.sme_status(o)[0] if o and o.kind == "firm" else ""
        rows.append([o.name if o else m.org_id, ROLE_LABELS[m.role], (o.kind if o else "").replace("_", " "),
                     o.cvr if o and o.cvr else "", region, f"{o.employees:g}" if o and o.employees is not None else "", sme])
    _table(doc, ["organisation", "role", "kind", "CVR", "region", "employees", "SME test"], rows)

    doc.add_heading("The resource flow", level=1)
    if not case.links and not case.elements:
        _gap(doc.add_paragraph(), f"{GAP}: no flow or other element recorded")
    if case.links:
        rows = []
        for l in case.links:
            o, n = streams.get(l.offer_id), streams.get(l.need_id)
            level = o.hierarchy_level if o else None
            rows.append([f"{orgs[o.org_id].name}: {o.title}" if o else l.offer_id, f"{orgs[n.org_id].name}: {n.title}" if n else l.need_id,
                         f"{l.flow:g} {l.unit}" if l.flow is not None else GAP,
                         f"{HIERARCHY_NAMES[level]} -> recycling or better" if level else GAP])
        _table(doc, ["from (offer)", "to (need)", "flow a year", "waste hierarchy (today -> with the chain)"], rows)
    for e in case.elements:
        doc.add_paragraph(f"{ELEMENT_LABELS[e.kind]}: {e.description or '(no description)'}", style="List Bullet")

    doc.add_heading("The effect, its calculation and assumptions", level=1)
    doc.add_paragraph(f"Total: {case.tonnes:g} t of residual used as raw material and {case.co2e:g} t CO2e avoided a year "
                      "(flows computed by Matchmaker from the streams' quantities and the emission factors in data/emission_factors.csv; "
                      "element figures entered by the facilitator).")
    for l in case.links:
        p = doc.add_paragraph(style="List Bullet")
        p.add_run(f"{l.offer_id} -> {l.need_id}: ").bold = True
        p.add_run(f"{l.tonnes if l.tonnes is not None else GAP} t, {l.co2e if l.co2e is not None else GAP} t CO2e. ")
        p.add_run("; ".join(l.assumptions))
    for e in case.elements:
        if e.tonnes is not None or e.co2e is not None:
            doc.add_paragraph(f"{ELEMENT_LABELS[e.kind]}: {e.tonnes or 0:g} t, {e.co2e or 0:g} t CO2e (entered)", style="List Bullet")

    doc.add_heading("Money", level=1)
    share = f"{case.cofinancing_share:.0%}" if case.cofinancing_share is not None else GAP
    doc.add_paragraph(f"Budget DKK {case.budget_dkk:,.0f}" if case.budget_dkk is not None else f"Budget: {GAP}")
    doc.add_paragraph(f"Grant DKK {case.grant_dkk:,.0f}; private co-financing share {share}" if case.grant_dkk is not None
                      else f"Grant: {GAP}")

    doc.add_heading(f"Formal checks ({prog.name})", level=1)
    doc.add_paragraph(f"Overall: {rules.overall(checks).upper()} (unknown = the data to decide is missing). Source: {prog.source}")
    _table(doc, ["rule", "status", "reason"], [[c.rule, c.status.upper(), c.reason] for c in checks])

    doc.add_heading("Selection criteria: evidence and gaps", level=1)
    doc.add_paragraph("The four criteria weigh equally; the application must address each point concretely "
                      "(seeds/004_d57ad80c94b18190.txt).")
    for crit in criteria_evidence(case, orgs, streams) or [{"criterion": "no criteria for this programme", "points": []}]:
        doc.add_heading(crit["criterion"], level=2)
        for pt in crit["points"]:
            p = doc.add_paragraph(style="List Bullet")
            p.add_run(f"{pt['point']}: ").bold = True
            if pt["evidence"]:
                p.add_run(str(pt["evidence"]))
            else:
                _gap(p, f"{GAP}: {'missing' if pt.get('status') == 'missing' else 'to be documented'}")
                if pt.get("note"):
                    p.add_run(f" ({pt['note']})")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
