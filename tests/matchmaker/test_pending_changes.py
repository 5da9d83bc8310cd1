"""Eligibility figures a firm types about itself wait for a facilitator (issue 16, finding 14):
the checks keep reading the confirmed values until one confirms them; both decisions are audited."""

import pytest
from sqlalchemy import select

from matchmaker.errors import Forbidden, NotFound
from matchmaker.store import audit
from matchmaker.trust import editing
from matchmaker.trust.accounts import User

FIRM = User("cups", "firm", "B1")
FAC = User("fac", "facilitator")


def _firm_saves(store, **changes):
    current = store.organisation("B1")
    raw = {**editing.form_values(current, "organisation"), **{k: str(v) for k, v in changes.items()}}
    return editing.save(store, FIRM, "organisation", raw, current)


def _actions(store) -> list[tuple[str, str]]:
    with store.engine.connect() as conn:
        return [(r.action, r.detail) for r in conn.execute(select(audit).order_by(audit.c.id))]


def test_a_firms_eligibility_figures_stay_pending_until_confirmed(small_store):
    _firm_saves(small_store, in_difficulty="false", employees="9", de_minimis_eur="0", profile="Cups, now greener.")
    org = small_store.organisation("B1")
    assert org.profile == "Cups, now greener."           # ordinary fields are saved at once
    assert org.employees == 12 and org.de_minimis_eur == 120000  # the checks still read the confirmed values
    waiting = {c["field"]: c["value"] for c in editing.pending(small_store, "B1")}
    assert waiting == {"employees": "9", "de_minimis_eur": "0"}  # in_difficulty was unchanged
    by_field = {c["field"]: c["id"] for c in editing.pending(small_store)}
    editing.decide(small_store, FAC, by_field["employees"], confirm=True)
    editing.decide(small_store, FAC, by_field["de_minimis_eur"], confirm=False)
    org = small_store.organisation("B1")
    assert org.employees == 9 and org.de_minimis_eur == 120000
    assert editing.pending(small_store) == []
    acts = _actions(small_store)
    assert ("confirm_change", "employees=9") in acts and ("reject_change", "de_minimis_eur=0") in acts
    assert ("propose_change", "employees=9") in acts


def test_a_later_proposal_replaces_the_earlier_and_typing_back_withdraws(small_store):
    _firm_saves(small_store, employees="9")
    _firm_saves(small_store, employees="10")
    assert [(c["field"], c["value"]) for c in editing.pending(small_store)] == [("employees", "10")]
    _firm_saves(small_store, employees="12")
    assert editing.pending(small_store) == []


def test_only_staff_decide_and_a_decided_change_is_gone(small_store):
    _firm_saves(small_store, in_difficulty="true")
    (change,) = editing.pending(small_store)
    with pytest.raises(Forbidden):
        editing.decide(small_store, FIRM, change["id"], confirm=True)
    assert small_store.organisation("B1").in_difficulty is False
    editing.decide(small_store, FAC, change["id"], confirm=True)
    assert small_store.organisation("B1").in_difficulty is True
    with pytest.raises(NotFound):
        editing.decide(small_store, FAC, change["id"], confirm=True)


def test_staff_edits_apply_at_once(small_store):
    current = small_store.organisation("B1")
    raw = {**editing.form_values(current, "organisation"), "employees": "40"}
    editing.save(small_store, FAC, "organisation", raw, current)
    assert small_store.organisation("B1").employees == 40 and editing.pending(small_store) == []


def test_pending_changes_survive_a_backup_and_restore(small_store, tmp_path):
    from matchmaker.io.backup import backup, restore
    _firm_saves(small_store, employees="9")
    backup(small_store, tmp_path / "b.json")
    restore(small_store, tmp_path / "b.json", replace=True)
    assert [(c["org_id"], c["field"], c["value"]) for c in editing.pending(small_store)] == [("B1", "employees", "9")]
