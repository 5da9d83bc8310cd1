"""An EWC code the searcher gives only adds evidence (issue 17): a partner that the words
alone rank well is not pushed out because its own stream has another code or none.

The case from the walk-through, on the shipped demo data with the bundled model: a café
with 40 t/yr of coffee grounds in Aarhus; two mushroom growers nearby ask for coffee grounds
(their needs are coded 02 03 04); the café adds 20 01 08 (biodegradable kitchen waste)."""

from __future__ import annotations

from pathlib import Path

import pytest

from matchmaker.io.importer import import_files
from matchmaker.matching.embedding import load_embedder
from matchmaker.matching.index import MatchIndex
from matchmaker.matching.weights import MatchWeights
from matchmaker.store import Store

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
TEXT = "Vi har ca. 40 ton brugt kaffegrums om året fra vores caféer"
MUSHROOMS = {"STR-0332", "STR-0404"}  # 'Substrat til svampedyrkning': oyster mushrooms on coffee grounds


@pytest.fixture(scope="module")
def demo_index(tmp_path_factory) -> MatchIndex:
    store = Store(str(tmp_path_factory.mktemp("demo") / "demo.db"))
    import_files(store, [DEMO / "organisations.csv", DEMO / "streams.csv"])
    return MatchIndex(store.organisations(), store.streams(), load_embedder(None), weights=MatchWeights.load())


def _ranked(index: MatchIndex, ewc: str | None) -> list:
    return index.match_text(TEXT, "offer", postcode="8000", ewc=ewc, top=10)


def test_coffee_grounds_mushroom_grower_stays_in_the_top_ten_with_the_ewc_code(demo_index):
    plain = _ranked(demo_index, None)
    coded = _ranked(demo_index, "20 01 08")
    assert MUSHROOMS & {m.need_id for m in plain}, [m.need_id for m in plain]
    assert MUSHROOMS & {m.need_id for m in coded}, [m.need_id for m in coded]


def test_a_code_never_lowers_any_partners_score(demo_index):
    plain = {m.need_id: m.score for m in demo_index.match_text(TEXT, "offer", postcode="8000", top=400)}
    for code in ("20 01 08", "02 03 04", "17 01 01"):  # agreeing, neighbouring and unrelated codes
        coded = {m.need_id: m.score for m in demo_index.match_text(TEXT, "offer", postcode="8000", ewc=code, top=400)}
        lowered = {sid: (plain[sid], coded[sid]) for sid in plain if coded.get(sid, -1) < plain[sid] - 1e-9}
        assert lowered == {}, (code, list(lowered.items())[:3])
    # and the code still counts: a need that states the same code gains
    same = [s.id for s in demo_index.needs.streams if s.ewc == "200108"]
    if same:
        coded = {m.need_id: m.score for m in demo_index.match_text(TEXT, "offer", postcode="8000", ewc="20 01 08", top=400)}
        assert any(coded[sid] > plain[sid] for sid in same if sid in plain)
