"""Accounts, introductions, the per-role world and what backups keep of them."""

from __future__ import annotations

import json
import sqlite3

import pytest

from matchmaker.cli import cli
from matchmaker.errors import Forbidden, MatchmakerError, NotFound, ValidationFailed
from matchmaker.io.backup import backup, restore
from matchmaker.model import Organisation
from matchmaker.store import SCHEMA_VERSION, Store, users
from matchmaker.trust import introductions as intro
from matchmaker.trust.access import ANONYMOUS, Viewer, about, match_for, neutral_id, pseudonym, scrub, world_for
from matchmaker.trust.accounts import User, add_user, authenticate, list_users, remove_user
from matchmaker.trust.audit import audit_log
from matchmaker.trust.editing import save

PW = "correct horse battery"
FAC = User("fac", "facilitator")
CUPS = User("cups", "firm", "B1")
HAVNEN = User("havnen", "firm", "R1")


def test_passwords_are_argon2_hashes_and_checked(small_store):
    add_user(small_store, "fac", "facilitator", PW)
    with small_store.engine.connect() as conn:
        stored = conn.execute(users.select()).mappings().first()["password_hash"]
    assert stored.startswith("$argon2id$") and PW not in stored
    assert authenticate(small_store, "fac", PW) == User("fac", "facilitator", None)
    assert authenticate(small_store, "fac", PW + "x") is None
    assert authenticate(small_store, "nobody", PW) is None


@pytest.mark.parametrize("args,message", [
    (("x", "facilitator", PW), "username"),
    (("ok", "boss", PW), "unknown role"),
    (("ok", "facilitator", "short"), "at least 10"),
    (("ok", "firm", PW), "needs --org"),
    (("ok", "facilitator", PW, "B1"), "only firm users"),
    (("ok", "firm", PW, "NOPE"), "unknown organisation"),
])
def test_bad_accounts_are_refused(small_store, args, message):
    with pytest.raises(MatchmakerError, match=message):
        add_user(small_store, *args)
    assert list_users(small_store) == []


def test_duplicate_and_removal(small_store):
    add_user(small_store, "cups", "firm", PW, "B1")
    with pytest.raises(MatchmakerError, match="exists"):
        add_user(small_store, "cups", "firm", PW, "B1")
    add_user(small_store, "cups", "firm", PW + "2", "K1", replace=True)
    assert list_users(small_store) == [User("cups", "firm", "K1")]
    remove_user(small_store, "cups")
    with pytest.raises(NotFound):
        remove_user(small_store, "cups")


def test_user_commands(runner, small_store):
    db = ["--db", small_store.url]
    out = runner.invoke(cli, ["user", "add", "cups", "--role", "firm", "--org", "B1", *db], input=f"{PW}\n{PW}\n")
    assert out.exit_code == 0, out.output
    out = runner.invoke(cli, ["user", "list", "--json", *db])
    assert json.loads(out.output) == [{"username": "cups", "role": "firm", "org_id": "B1"}]
    assert "hash" not in out.output
    out = runner.invoke(cli, ["user", "add", "bad", "--role", "firm", "--password", PW, *db])
    assert out.exit_code == 1 and "needs --org" in out.output and "Traceback" not in out.output
    assert runner.invoke(cli, ["user", "remove", "cups", *db]).exit_code == 0
    out = runner.invoke(cli, ["user", "remove", "cups", *db])
    assert out.exit_code == 1 and "unknown user" in out.output


def test_introduction_consent_states_and_audit(small_store):
    first = intro.request(small_store, CUPS, "S3", "S4")
    assert (first.status, first.offer_consent, first.need_consent) == ("requested", None, True)
    with pytest.raises(MatchmakerError, match="already requested"):
        intro.request(small_store, FAC, "S3", "S4")
    with pytest.raises(Forbidden):
        intro.respond(small_store, User("kaffe", "firm", "K1"), first.id, True)
    with pytest.raises(Forbidden):
        intro.respond(small_store, FAC, first.id, True)    # consent comes from the firms
    assert intro.revealed_to(small_store, "B1") == set()
    done = intro.respond(small_store, HAVNEN, first.id, True)
    assert done.status == "introduced"
    assert intro.revealed_to(small_store, "B1") == {"S3"} and intro.revealed_to(small_store, "R1") == {"S4"}
    assert intro.revealed_to(small_store, "K1") == set()
    assert intro.mark_in_chain(small_store, FAC, first.id, "C-1").status == "in_chain"
    assert intro.statuses(small_store) == {("S3", "S4"): "in_chain"}
    log = audit_log(small_store)
    assert [e["action"] for e in log] == ["mark_in_chain", "accept_introduction", "request_introduction"]
    assert log[-1]["actor"] == "cups" and log[-1]["at"]


@pytest.mark.parametrize("actor,offer,need,error", [
    (CUPS, "S1", "S8", Forbidden),               # neither stream is its own
    (ANONYMOUS, "S1", "S2", Forbidden),
    (FAC, "S2", "S1", MatchmakerError),           # directions swapped
    (FAC, "S9", "S4", MatchmakerError),           # same organisation
    (FAC, "S1", "S99", NotFound),
])
def test_bad_introduction_requests(small_store, actor, offer, need, error):
    actor = actor if isinstance(actor, User) else User("", "anonymous")
    with pytest.raises(error):
        intro.request(small_store, actor, offer, need)
    assert intro.list_introductions(small_store) == [] and audit_log(small_store) == []


def test_declined_can_be_asked_again(small_store):
    first = intro.request(small_store, FAC, "S3", "S4")
    assert intro.respond(small_store, HAVNEN, first.id, False).status == "declined"
    with pytest.raises(MatchmakerError, match="declined"):
        intro.respond(small_store, CUPS, first.id, True)
    again = intro.request(small_store, CUPS, "S3", "S4")
    assert again.id == first.id and again.status == "requested" and again.offer_consent is None


def test_world_hides_private_and_anonymises(small_store):
    orgs = {o.id: o for o in small_store.organisations()}
    streams = {s.id: s for s in small_store.streams()}
    pairs = {"S3": [("S4", 0.8123)], "S4": [("S3", 0.8123)], "S7": [("S8", 0.9)], "S8": [("S7", 0.9)]}
    w = world_for(ANONYMOUS, orgs, streams, pairs, b"k")
    assert "S7" not in w.streams and "M1" not in w.orgs and "R1" not in w.orgs
    s3 = w.streams["S3"]
    assert s3.org_id == pseudonym(b"k", "S3") != pseudonym(b"other", "S3")
    assert w.orgs[s3.org_id].name == "A firm in Region Nordjylland"  # the only food firm there: sector withheld
    assert (s3.quantity, s3.treatment_cost_dkk_per_unit) == (10, None)
    # shown under a neutral id: the stored id may name the owner (issue 16, finding 13)
    a3 = neutral_id(b"k", "S3")
    assert s3.id == a3 != neutral_id(b"other", "S3") and "S3" not in set(w.streams) and a3 in set(w.streams)
    assert w.resolve(a3) == "S3" and w.resolve("S3") is None and w.resolve("S7") is None and w.resolve("S1") == "S1"
    assert w.pairs["S4"] == [(a3, 0.81)] and w.pairs["S8"] == []
    assert w.orgs["K1"].turnover_eur is None and w.orgs["T1"].name == "Teknologisk Institut"
    own = world_for(Viewer("firm", "M1", "mejeri"), orgs, streams, pairs, b"k")
    assert own.streams["S7"] == streams["S7"] and own.orgs["M1"].turnover_eur == 20000000
    revealed = world_for(Viewer("firm", "B1", "cups"), orgs, streams, pairs, b"k", {"S3"})
    assert revealed.streams["S3"].org_id == "R1" and "S3" not in revealed.approx
    staff = world_for(Viewer("facilitator"), orgs, streams, pairs, b"k")
    assert staff.streams is streams and staff.approx == frozenset()
    m = {"offer_id": "S3", "need_id": "S4", "score": 0.8123, "components": {"distance": 0.734}, "km": 123.4,
         "hazardous": False, "shared_concepts": ["cooking oil"], "uses": [], "shared_terms": ["havnen"],
         "level_from": None, "level_to": "recycling", "sentence": "Restaurant Havnen's ... 8 t/yr"}
    shown = match_for(m, w)
    # no distance to a pseudonymous owner: it would locate the owner (issue 16, finding 1)
    assert "Havnen" not in json.dumps(shown) and shown["km"] is None and shown["components"] == {}
    assert (shown["offer_id"], shown["need_id"]) == (a3, "S4")
    assert "km" not in shown["sentence"] and "about 10 t/yr" in shown["sentence"]
    assert match_for({**m, "offer_id": "S7", "need_id": "S8"}, w) is None


def test_about_and_scrub():
    assert [about(x) for x in (8, 317, 1450, 4400, 0.46)] == [10, 300, 2000, 5000, 0.5]
    owner = Organisation("R1", "Restaurant Havnen ApS", "firm", "food_bio", "9000")
    assert scrub("Olie fra Restaurant Havnen; restaurant havnen aps; RESTAURANT HAVNEN ApS", owner).count("[the firm]") == 3


def test_firm_edit_rules_in_the_domain(small_store):
    raw = {"id": "S2", "org_id": "K1", "direction": "need", "title": "New title", "language": "en",
           "material": "food_organic", "availability": "continuous", "confidentiality": "private"}
    save(small_store, CUPS, "stream", raw, small_store.stream("S2"))
    s2 = small_store.stream("S2")
    assert (s2.title, s2.org_id, s2.confidentiality) == ("New title", "B1", "private")
    with pytest.raises(Forbidden):
        save(small_store, CUPS, "stream", {**raw, "id": "S1"}, small_store.stream("S1"))
    with pytest.raises(ValidationFailed):
        save(small_store, CUPS, "stream", {**raw, "quantity": "-1", "unit": "t/yr"}, small_store.stream("S2"))
    with pytest.raises(Forbidden):
        save(small_store, CUPS, "organisation", {"id": "NEW"}, None)
    assert [e["action"] for e in audit_log(small_store)] == ["edit_stream"]


def test_backup_keeps_accounts_introductions_and_audit(small_store, tmp_path):
    add_user(small_store, "cups", "firm", PW, "B1")
    intro.request(small_store, CUPS, "S3", "S4")
    counts = backup(small_store, tmp_path / "b.json")
    assert (counts["users"], counts["introductions"], counts["audit"]) == (1, 1, 1)
    fresh = Store(str(tmp_path / "fresh.db"))
    restore(fresh, tmp_path / "b.json")
    assert authenticate(fresh, "cups", PW) == User("cups", "firm", "B1")
    assert intro.list_introductions(fresh) == intro.list_introductions(small_store)
    assert audit_log(fresh) == audit_log(small_store)


def test_version_1_store_is_migrated(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE meta (key VARCHAR(64) PRIMARY KEY, value TEXT)")
    conn.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    conn.commit()
    conn.close()
    store = Store(str(path))
    assert store.schema_version == SCHEMA_VERSION == 3
    add_user(store, "root", "admin", PW)
    assert list_users(store) == [User("root", "admin", None)]


def test_demo_accounts_only_for_invented_firms(small_store):
    from matchmaker.trust.accounts import reset_demo_accounts
    made = reset_demo_accounts(small_store)
    assert [(u, r) for u, r, _, _ in made] == [("demo-facilitator", "facilitator"), ("demo-firm", "firm")]
    first = made[0][3]
    assert authenticate(small_store, "demo-facilitator", first) is not None
    assert reset_demo_accounts(small_store)[0][3] != first  # a fresh password each run
    assert authenticate(small_store, "demo-facilitator", first) is None
    real = small_store.organisation("K1")
    real.invented = False
    with small_store.transaction() as conn:
        small_store.upsert(conn, [real], [])
    assert reset_demo_accounts(small_store) == []
