"""Issue 16, finding 2: an introduction request cannot test who owns an anonymised stream."""

import pytest

from matchmaker.errors import MatchmakerError
from matchmaker.io.importer import import_files
from matchmaker.trust import introductions as intro
from matchmaker.trust.accounts import User
from matchmaker.trust.audit import audit_log

CUPS = User("cups", "firm", "B1")
FERMENTA = User("fermenta", "firm", "F1")


def answer(actor: User, store, offer: str, need: str) -> tuple[type, str]:
    with pytest.raises(MatchmakerError) as caught:
        intro.request(store, actor, offer, need)
    return type(caught.value), str(caught.value)


def test_owner_of_anonymised_stream_cannot_be_tested(small_store, tmp_path):
    extra = tmp_path / "r1.csv"  # a public need of the real owner (R1) of the anonymised offer S3
    extra.write_text("id,org_id,direction,title,language,material\nS20,R1,need,Rengøringsmidler,da,chemicals_solvents\n",
                     encoding="utf-8")
    import_files(small_store, [extra])
    owner = answer(CUPS, small_store, "S3", "S20")     # S3 and S20 share their owner
    stranger = answer(CUPS, small_store, "S3", "S8")   # they do not
    assert owner == stranger
    # with one of its own streams, every refusal about the other side reads alike
    assert answer(FERMENTA, small_store, "S7", "S8")[1].replace("S7", "X") == \
        answer(FERMENTA, small_store, "S99", "S8")[1].replace("S99", "X")
    refused = [e for e in audit_log(small_store) if e["action"] == "introduction_refused"]
    assert len(refused) == 2 and {e["actor"] for e in refused} == {"cups"}
    assert "S3" in refused[0]["detail"]


def test_own_stream_checked_first(small_store):
    kind, message = answer(CUPS, small_store, "S9", "S4")  # both its own
    assert "your organisation" in message
    kind, message = answer(CUPS, small_store, "S4", "S8")  # its need in the offer slot
    assert "not an offer" in message
