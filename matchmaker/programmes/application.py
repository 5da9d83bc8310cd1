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

from matchmaker.model import HIERARCHY_NAMES, Organisation, Stream
from matchmaker.programmes import lifecycle, rules
from matchmaker.programmes.cases import ELEMENT_LABELS, ROLE_LABELS, Case
from matchmaker.programmes.portfolio import get_portfolio
from matchmaker.reference import postcodes

GAP = "GAP"


def formal_checks(case: Case, orgs: dict[str, Organisation]) -> tuple[rules.Programme, list[rules.CheckResult]]:
    """The track's programme rules (the clarification model until an application track is chosen)."""
    portfolio = get_portfolio(case.programme_id)
    track = case.track if case.track in portfolio.tracks else "clarification"
    prog = portfolio.track_programme(track)
    firms = [orgs[m] for m in case.economic_ids if m in orgs and orgs[m].kind == "firm"]
    sector = case.sector or (orgs[case.lead_id].sector if case.lead_id in orgs else None)
    app = rules.Application(firms, case.lead_id, sector, case.budget_dkk, case.grant_dkk)
    return prog, rules.check(app, prog)


def criteria_evidence(case: Case, orgs: dict[str, Organisation], streams: dict[str, Stream]) -> list[dict]:
    """The four equally weighted selection criteria of Closing Loops 2.0 (seeds/004), each point with
    the evidence the case holds, or None where the application still has a gap."""
    try:  # the programme's own criteria assessment, when installed
        from matchmaker.programmes import criteria as assess  # type: ignore[attr-defined]
        found = getattr(assess, "case_evidence", None)
        if found is not None:
            return found(case, orgs, streams)
    except ImportError:
        pass
    flows = [l for l in case.links if l.offer_id in streams]
    quantified = [l for l in flows if l.tonnes is not None or l.co2e is not None]
    baseline = [f"{streams[l.offer_id].title}: today {streams[l.offer_id].fate.replace('_', ' ')}" for l in flows
                if streams[l.offer_id].fate]
    offtaker = [orgs[m].name for m in case.member_ids("off_taker") if m in orgs]
    roles = {ROLE_LABELS[m.role] for m in case.members}
    upward = [l for l in flows if streams[l.offer_id].hierarchy_level and streams[l.offer_id].hierarchy_level < 3]

    def point(text: str, evidence: str | None) -> dict:
        return {"point": text, "evidence": evidence}

    return [
        {"criterion": "1. Impact (effektskabelse)", "points": [
            point("Quantified reduction in tonnes and t CO2e",
                  f"{case.tonnes:g} t used as raw material, {case.co2e:g} t CO2e a year ({len(quantified)} of {len(flows)} flows quantified)"
                  if quantified else None),
            point("Clear baseline", "; ".join(baseline) or None),
            point("Documented calculations and assumptions", "see 'The effect' above" if quantified else None),
            point("A coherent impact chain", "flows: " + ", ".join(f"{l.offer_id} -> {l.need_id}" for l in flows) if flows else None)]},
        {"criterion": "2. Value-chain quality (værdikædens kvalitet)", "points": [
            point("The value chain and its resource flow",
                  f"{len(flows)} flows, {len(case.elements)} other elements" if flows or case.elements else None),
            point("Relevant partners with the needed competences", ", ".join(sorted(roles)) if len(case.economic_ids) >= 2 else None),
            point("A documented buyer (off-taker) or concrete market interest",
                  f"off-taker: {', '.join(offtaker)} (documentation to attach)" if offtaker else None),
            point("How the project creates circular value", case.notes.strip() or None),
            point("How it moves resources up the waste hierarchy",
                  f"{len(upward)} flow(s) leave disposal or energy recovery for use as raw material" if upward else None)]},
        {"criterion": "3. Feasibility (realiserbarhed)", "points": [
            point("A concrete activity plan", None),
            point("A realistic budget", f"budget DKK {case.budget_dkk:,.0f}, grant DKK {case.grant_dkk:,.0f}"
                  if case.budget_dkk and case.grant_dkk is not None else None),
            point("Risks and their handling", None)]},
        {"criterion": "4. Implementation and scaling (implementering og skalering)", "points": [
            point("Plan for implementation after development", None),
            point("Scaling potential", None),
            point("Whether the chain can sustain itself economically afterwards", None)]},
    ]


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
    prog, checks = formal_checks(case, orgs)
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
    for crit in criteria_evidence(case, orgs, streams):
        doc.add_heading(crit["criterion"], level=2)
        for pt in crit["points"]:
            p = doc.add_paragraph(style="List Bullet")
            p.add_run(f"{pt['point']}: ").bold = True
            if pt["evidence"]:
                p.add_run(str(pt["evidence"]))
            else:
                _gap(p, f"{GAP}: to be documented")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
