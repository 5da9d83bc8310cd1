"""`matchmaker cases ...` and `matchmaker report`: the command-line twins of the case pages and the
dashboard. Registered on the `matchmaker` group when matchmaker.cli is imported; whoever runs the
command acts as staff (it has the store file), recorded in the audit log as cli:<login>."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import click

from matchmaker.cli import _Group, cli, db_option, emit_text, model_option
from matchmaker.errors import MatchmakerError
from matchmaker.store import Store

PROGRAMME_HELP = "Programme with cases and KPIs (data/programmes/portfolio/<id>.json)."


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"[:64]
    except (KeyError, OSError):
        return "cli"


def _echo_case(c, orgs) -> None:
    from matchmaker.programmes.cases import ELEMENT_LABELS, ROLE_LABELS
    from matchmaker.programmes.lifecycle import PHASE_LABELS, allowed
    click.echo(f"{c.number}  {c.title}")
    click.echo(f"  programme {c.programme_id}; phase {PHASE_LABELS[c.phase]} since {c.phase_date}"
               + (f"; due {c.due_date}" + (" (OVERDUE)" if c.overdue() else "") if c.due_date else "")
               + (f"; track {c.track}" if c.track else "") + (f"; round {c.round_id}" if c.round_id else ""))
    if c.decision:
        click.echo(f"  decision: {c.decision} on {c.decision_date}" + (f" ({c.decision_reason})" if c.decision_reason else ""))
    if c.drop_reason:
        click.echo(f"  dropped: {c.drop_reason}")
    for m in c.members:
        click.echo(f"  member  {orgs[m.org_id].name if m.org_id in orgs else m.org_id} ({ROLE_LABELS[m.role]})")
    for l in c.links:
        click.echo(f"  flow    {l.offer_id} -> {l.need_id}: {l.tonnes if l.tonnes is not None else '?'} t, "
                   f"{l.co2e if l.co2e is not None else '?'} t CO2e")
    for e in c.elements:
        click.echo(f"  element {ELEMENT_LABELS[e.kind]}: {e.description}")
    money = [f"budget DKK {c.budget_dkk:,.0f}" if c.budget_dkk is not None else "",
             f"grant DKK {c.grant_dkk:,.0f}" if c.grant_dkk is not None else "",
             f"co-financing {c.cofinancing_share:.0%}" if c.cofinancing_share is not None else ""]
    click.echo(f"  {', '.join(x for x in money if x) or 'no budget yet'}; {c.tonnes:g} t, {c.co2e:g} t CO2e; "
               f"{'public' if c.public else 'not public'}")
    click.echo(f"  next: {', '.join(allowed(c.state())) or 'none (closed)'}")
    for e in c.events:
        mark = " (undone)" if e.undone_at else ""
        click.echo(f"  {e.date}  {e.from_phase or '-'} -> {e.to_phase}  by {e.actor}  {e.detail}{mark}")


@cli.group(cls=_Group)
def cases() -> None:
    """Value-chain cases: saved proposals from 'proposed' to a decision and beyond."""


@cases.command("list")
@click.option("--programme", "programme_id", default=None, help=PROGRAMME_HELP)
@click.option("--phase", default=None, help="Only cases in this phase.")
@click.option("--overdue", is_flag=True, help="Only overdue cases.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@db_option
def cases_list(programme_id, phase, overdue, as_json, db) -> None:
    """List cases with phase, due date and lead."""
    from matchmaker.programmes.cases import list_cases
    from matchmaker.programmes.lifecycle import PHASES
    if phase and phase not in PHASES:
        raise MatchmakerError(f"unknown phase {phase!r}; phases: {', '.join(PHASES)}")
    store = Store(db)
    orgs = {o.id: o for o in store.organisations()}
    found = [c for c in list_cases(store, programme_id) if (not phase or c.phase == phase) and (not overdue or c.overdue())]
    if as_json:
        click.echo(json.dumps([c.as_dict({k: o.name for k, o in orgs.items()}) for c in found], ensure_ascii=False, indent=2))
        return
    for c in found:
        lead = orgs[c.lead_id].name if c.lead_id in orgs else "-"
        due = f"due {c.due_date}{' OVERDUE' if c.overdue() else ''}" if c.due_date else ""
        click.echo(f"{c.number:<8} {c.phase:<19} {c.phase_date}  {due:<22} {c.title[:50]:<50}  lead {lead}")
    click.echo(f"{len(found)} case(s)")


@cases.command("show")
@click.argument("ref")
@click.option("--programme", "programme_id", default=None, help=PROGRAMME_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@db_option
def cases_show(ref, programme_id, as_json, db) -> None:
    """One case (by number such as CØ101, or id) with its members, flows and history."""
    from matchmaker.programmes.cases import find_case
    store = Store(db)
    orgs = {o.id: o for o in store.organisations()}
    c = find_case(store, ref, programme_id)
    if as_json:
        click.echo(json.dumps(c.as_dict({k: o.name for k, o in orgs.items()}), ensure_ascii=False, indent=2))
    else:
        _echo_case(c, orgs)


def _pairs(values: tuple[str, ...], sep: str, what: str) -> list[tuple[str, str]]:
    out = []
    for v in values:
        a, s, b = v.partition(sep)
        if not s or not a.strip() or not b.strip():
            raise click.BadParameter(f"{v!r}: expected {what}")
        out.append((a.strip(), b.strip()))
    return out


@cases.command("new")
@click.option("--programme", "programme_id", required=True, help=PROGRAMME_HELP)
@click.option("--title", default=None, help="Title (default for a proposal: the members' names).")
@click.option("--proposal", "proposal_id", default=None, help="Save this proposed chain (an id from `matchmaker chains`).")
@click.option("--member", "members", multiple=True, metavar="ORG:ROLE",
              help="A member and its role (lead, economic_partner, knowledge_partner, off_taker); repeat.")
@click.option("--link", "links", multiple=True, metavar="OFFER>NEED", help="A flow from an offered to a needed stream; repeat.")
@click.option("--element", "elements", multiple=True, metavar="KIND:DESCRIPTION",
              help="A non-flow element (take_back, data_platform, design, service, product_development, test_demonstration, other).")
@click.option("--budget", type=float, default=None, help="Budget in DKK.")
@click.option("--grant", type=float, default=None, help="Grant in DKK.")
@click.option("--sector", default=None)
@click.option("--notes", default="")
@click.option("--number", default=None, help="Case number such as CØ140 (default: the next free one).")
@click.option("--date", "on", default=None, help="Date proposed, YYYY-MM-DD (default: today).")
@db_option
@model_option
def cases_new(programme_id, title, proposal_id, members, links, elements, budget, grant, sector, notes, number, on, db, model) -> None:
    """Save a proposal as a case, or build one by hand from members, links and elements."""
    from matchmaker.programmes import cases as C
    from matchmaker.programmes.portfolio import get_portfolio
    store = Store(db)
    orgs = {o.id: o for o in store.organisations()}
    portfolio = get_portfolio(programme_id)
    if proposal_id:
        from matchmaker.cli import _firm_graph
        from matchmaker.programmes.proposals import propose
        prog = portfolio.track_programme("clarification")
        found = next((p for p in propose(_firm_graph(store, model), list(orgs.values()), store.streams(), prog)
                      if p.chain.id == proposal_id), None)
        if found is None:
            raise MatchmakerError(f"no proposal {proposal_id!r} among the chains proposed for {prog.id}")
        case = C.from_proposal(store, _actor(), programme_id, found, orgs, title=title, on=on, notes=notes, number=number)
    else:
        if not members or not title:
            raise click.UsageError("give --proposal ID, or --title and at least one --member ORG:lead")
        case = C.create_case(store, _actor(), programme_id, title, _pairs(members, ":", "ORG:ROLE"), _pairs(links, ">", "OFFER>NEED"),
                             [{"kind": k, "description": d} for k, d in _pairs(elements, ":", "KIND:DESCRIPTION")],
                             budget_dkk=budget, grant_dkk=grant, sector=sector, notes=notes, number=number, on=on)
    click.echo(f"saved {case.number} (id {case.id}): {case.title}")


@cases.command("advance")
@click.argument("ref")
@click.argument("phase")
@click.option("--date", "on", default=None, help="When it happened, YYYY-MM-DD (default: today).")
@click.option("--track", type=click.Choice(["collaboration", "investment"]), default=None, help="For an application.")
@click.option("--round", "round_id", default=None, help="For an application: the round (default: the one open on the date).")
@click.option("--decision", type=click.Choice(["granted", "rejected"]), default=None, help="For a decision.")
@click.option("--reason", default=None, help="Reason of a rejection or a drop.")
@click.option("--programme", "programme_id", default=None, help=PROGRAMME_HELP)
@db_option
def cases_advance(ref, phase, on, track, round_id, decision, reason, programme_id, db) -> None:
    """Move a case to its next PHASE; a change the lifecycle forbids writes nothing."""
    from matchmaker.programmes.cases import advance, find_case
    from matchmaker.programmes.lifecycle import Change
    store = Store(db)
    c = find_case(store, ref, programme_id)
    c = advance(store, _actor(), c.id, Change(phase, on, track, round_id, decision, reason))
    click.echo(f"{c.number} is now {c.phase} (since {c.phase_date}" + (f", due {c.due_date}" if c.due_date else "") + ")")


@cases.command("drop")
@click.argument("ref")
@click.option("--reason", required=True)
@click.option("--date", "on", default=None, help="YYYY-MM-DD (default: today).")
@click.option("--programme", "programme_id", default=None, help=PROGRAMME_HELP)
@db_option
def cases_drop(ref, reason, on, programme_id, db) -> None:
    """Drop a case, with its reason."""
    from matchmaker.programmes.cases import advance, find_case
    from matchmaker.programmes.lifecycle import Change
    store = Store(db)
    c = advance(store, _actor(), find_case(store, ref, programme_id).id, Change("dropped", on, reason=reason))
    click.echo(f"{c.number} dropped on {c.phase_date}: {c.drop_reason}")


@cases.command("undo")
@click.argument("ref")
@click.option("--programme", "programme_id", default=None, help=PROGRAMME_HELP)
@db_option
def cases_undo(ref, programme_id, db) -> None:
    """Undo a case's last change (phase change or edit)."""
    from matchmaker.programmes.cases import find_case, undo
    store = Store(db)
    c = undo(store, _actor(), find_case(store, ref, programme_id).id)
    click.echo(f"{c.number} is back to {c.phase} (since {c.phase_date})")


@cases.command("kpi")
@click.option("--programme", "programme_id", required=True, help=PROGRAMME_HELP)
@click.option("--kpi", default=None, help="The KPI to enter (one the store cannot count, e.g. course_participants).")
@click.option("--value", type=float, default=None)
@click.option("--as-of", "as_of", default=None, help="YYYY-MM-DD (default: today).")
@click.option("--source", default="", help="Where the figure comes from (e.g. the course's attendance list).")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Import a CSV with columns kpi,value,as_of[,source], all or nothing.")
@db_option
def cases_kpi(programme_id, kpi, value, as_of, source, path, db) -> None:
    """Enter or import a KPI figure the store cannot count."""
    from matchmaker.programmes.cases import enter_kpi, import_kpis
    store = Store(db)
    if path:
        n = import_kpis(store, _actor(), programme_id, path.read_text(encoding="utf-8-sig"), path.name)
        click.echo(f"imported {n} figure(s) from {path}")
        return
    if kpi is None or value is None:
        raise click.UsageError("give --kpi and --value, or --file CSV")
    row = enter_kpi(store, _actor(), programme_id, kpi, value, as_of, source)
    click.echo(f"{kpi} = {row['value']:g} as of {row['as_of']}")


@cases.command("draft")
@click.argument("ref")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The .docx file to write.")
@click.option("--programme", "programme_id", default=None, help=PROGRAMME_HELP)
@db_option
def cases_draft(ref, output, programme_id, db) -> None:
    """Write the case's application draft (.docx) with members, flow, effect, checks and criteria gaps."""
    from matchmaker.programmes.application import draft
    from matchmaker.programmes.cases import find_case
    store = Store(db)
    c = find_case(store, ref, programme_id)
    output.write_bytes(draft(c, {o.id: o for o in store.organisations()}, {s.id: s for s in store.streams()}))
    click.echo(f"wrote {output}")


@cli.command()
@click.option("--programme", "programme_id", required=True, help=PROGRAMME_HELP)
@click.option("--format", "fmt", type=click.Choice(["xlsx", "json"]), default="json", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (json: default standard output; xlsx: required).")
@db_option
def report(programme_id: str, fmt: str, output: Path | None, db: str | None) -> None:
    """The programme against its targets: KPIs, green KPIs, breakdowns, quarters (json), or the portfolio workbook (xlsx)."""
    from matchmaker.programmes.cases import list_cases
    from matchmaker.programmes.kpis import dashboard
    store = Store(db)
    board = dashboard(store, programme_id)
    if fmt == "json":
        text = json.dumps(board, ensure_ascii=False, indent=2, default=str)
        emit_text(text, output)
        return
    if output is None:
        raise click.UsageError("an xlsx report needs --output PATH")
    from matchmaker.programmes.workbook import workbook
    data = workbook(list_cases(store, programme_id), {o.id: o for o in store.organisations()}, board)
    output.write_bytes(data)
    click.echo(f"wrote {output}: {board['cases']} cases, {len(board['kpis'])} KPIs")
