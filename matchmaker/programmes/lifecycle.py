"""The phases of a value-chain case and which changes the programme's three models allow.

proposed -> partners_contacted -> clarification (about 6 months) -> feasibility_done ->
application (value-chain collaboration, 1-2 years, or investment support, 6-12 months) ->
decision (granted or rejected) -> running -> completed; dropped from any open phase.
An investment case may apply straight after the partners are contacted (that model has no
clarification); a rejected application may be resubmitted to a later round.

Pure functions: `plan_change` validates a change against a case's state and returns the new
state, or raises with what is wrong; the store is written by `cases.advance` only after this.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from matchmaker.errors import MatchmakerError
from matchmaker.i18n import N_
from matchmaker.programmes.portfolio import Portfolio, parse_date

PHASES = ("proposed", "partners_contacted", "clarification", "feasibility_done", "application", "decision",
          "running", "completed", "dropped")
PHASE_LABELS = {"proposed": N_("proposed"), "partners_contacted": N_("partners contacted"), "clarification": N_("clarification"),
                "feasibility_done": N_("feasibility check done"), "application": N_("application"), "decision": N_("decision"),
                "running": N_("running"), "completed": N_("completed"), "dropped": N_("dropped")}
CLOSED = ("completed", "dropped")
NEXT = {
    "proposed": ("partners_contacted",),
    "partners_contacted": ("clarification", "application"),
    "clarification": ("feasibility_done",),
    "feasibility_done": ("application",),
    "application": ("decision",),
    "decision": ("running", "application"),
    "running": ("completed",),
}
DECISIONS = ("granted", "rejected")
APPLICATION_TRACKS = ("collaboration", "investment")


@dataclass
class State:
    """The part of a case a phase change reads and writes."""

    phase: str
    phase_date: str
    due_date: str | None = None
    track: str | None = None
    round_id: str | None = None
    decision: str | None = None
    decision_reason: str | None = None
    decision_date: str | None = None
    drop_reason: str | None = None


@dataclass
class Change:
    to_phase: str
    date: str | None = None          # when it happened; today if not given
    track: str | None = None         # application: collaboration or investment
    round_id: str | None = None      # application: the round applied to (else the round open on that date)
    decision: str | None = None      # decision: granted or rejected
    reason: str | None = None        # decision (required when rejected) or dropped (required)


def add_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    year, month = d.year + m // 12, m % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def allowed(state: State) -> list[str]:
    """The phases this case may move to next (dropped from any open phase)."""
    if state.phase in CLOSED:
        return []
    nxt = list(NEXT.get(state.phase, ()))
    if state.phase == "decision":
        nxt = ["running"] if state.decision == "granted" else ["application"]
    if state.phase == "partners_contacted":
        nxt = ["clarification", "application (investment support only)"]
    return nxt + ["dropped"]


def due(state: State, when: date, portfolio: Portfolio) -> date | None:
    """When the phase should end: clarification after the model's duration, an application by its
    round's decision date, a running project after its track's duration, idle phases after a few weeks."""
    phase = state.phase
    if phase == "clarification":
        return add_months(when, portfolio.duration_months("clarification"))
    if phase == "application":
        r = next((r for r in portfolio.rounds if r.round_id == state.round_id), None)
        return r.decision_by if r else None
    if phase == "running" and state.track:
        return add_months(when, portfolio.duration_months(state.track))
    if phase == "decision" and state.decision != "granted":
        return None
    days = portfolio.idle_days.get(phase)
    return when + timedelta(days=days) if days else None


def plan_change(state: State, change: Change, portfolio: Portfolio, today: date | None = None) -> State:
    """The state after `change`, or a MatchmakerError saying why it is not allowed."""
    today = today or date.today()
    to = change.to_phase
    here = f"the case is {PHASE_LABELS.get(state.phase, state.phase)}"
    if to not in PHASES:
        raise MatchmakerError(f"unknown phase {to!r}; phases: {', '.join(PHASES)}")
    when = parse_date(change.date, "date") if change.date else today
    since = parse_date(state.phase_date, "phase date")
    if when > today:
        raise MatchmakerError(f"date {when} is in the future; a phase change records what has happened")
    if when < since:
        raise MatchmakerError(f"date {when} is before the current phase began ({since})")
    if state.phase in CLOSED:
        raise MatchmakerError(f"{here}: a closed case does not change phase (undo the last change to reopen it)")
    new = State(**state.__dict__)
    new.phase, new.phase_date = to, when.isoformat()
    if to == "dropped":
        if not (change.reason or "").strip():
            raise MatchmakerError("dropping a case needs a reason")
        new.drop_reason = change.reason.strip()
        new.due_date = None
        return new
    if to not in NEXT.get(state.phase, ()):
        raise MatchmakerError(f"{here}: it cannot move to {PHASE_LABELS[to]}; allowed next: {', '.join(allowed(state))}")
    if to == "clarification":
        new.track = "clarification"
    elif to == "application":
        _plan_application(state, change, new, when, portfolio)
    elif to == "decision":
        if change.decision not in DECISIONS:
            raise MatchmakerError("a decision is 'granted' or 'rejected'")
        if change.decision == "rejected" and not (change.reason or "").strip():
            raise MatchmakerError("a rejection needs its reason")
        new.decision, new.decision_reason, new.decision_date = change.decision, (change.reason or "").strip() or None, when.isoformat()
    elif to == "running" and state.decision != "granted":
        raise MatchmakerError(f"{here} with the application {state.decision or 'undecided'}: only a granted case starts running")
    new.due_date = (d.isoformat() if (d := due(new, when, portfolio)) else None)
    return new


def _plan_application(state: State, change: Change, new: State, when: date, portfolio: Portfolio) -> None:
    track = change.track or (state.track if state.track in APPLICATION_TRACKS else None)
    if track not in APPLICATION_TRACKS:
        raise MatchmakerError("an application is for a value-chain 'collaboration' or for 'investment' support")
    if state.phase == "partners_contacted" and track != "investment":
        raise MatchmakerError("only an investment-support application may skip the clarification; "
                              "a value-chain collaboration applies after its feasibility check")
    if state.phase == "decision" and state.decision != "rejected":
        raise MatchmakerError("only a rejected application is resubmitted")
    rounds = [r for r in portfolio.rounds if r.track == track]
    if change.round_id:
        r = next((r for r in rounds if r.round_id == change.round_id), None)
        if r is None:
            raise MatchmakerError(f"unknown {track} round {change.round_id!r}; rounds: {', '.join(x.round_id for x in rounds) or 'none'}")
        if not r.is_open(when):
            raise MatchmakerError(f"round {r.round_id} takes applications {r.opens} to {r.closes}, not on {when}")
    elif rounds:
        r = next((r for r in rounds if r.is_open(when)), None)
        if r is None:
            upcoming = [f"{x.round_id} ({x.opens} to {x.closes})" for x in rounds if x.closes >= when]
            raise MatchmakerError(f"no {track} round is open on {when}; next: {', '.join(upcoming) or 'none planned'}")
    else:
        r = None
    if r is not None and state.phase == "decision" and r.round_id == state.round_id:
        raise MatchmakerError(f"a resubmission goes to a later round than {state.round_id}")
    new.track, new.round_id = track, r.round_id if r else None
    new.decision = new.decision_reason = new.decision_date = None
