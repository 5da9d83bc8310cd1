"""scripts/make_demo.py: the TOML templates reproduce the committed demo, and bad templates are refused."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_bytecode = sys.dont_write_bytecode
sys.dont_write_bytecode = True  # keep scripts/ free of __pycache__, as the scripts themselves do
sys.path.insert(0, str(ROOT / "scripts"))
import make_demo  # noqa: E402
from load_templates import TEMPLATES_DIR, TemplateError  # noqa: E402

sys.dont_write_bytecode = _bytecode


@pytest.fixture(scope="module")
def ref() -> make_demo.Reference:
    return make_demo.load_reference()


def test_generator_reproduces_committed_demo_byte_for_byte(tmp_path: Path, ref: make_demo.Reference) -> None:
    templates = make_demo.load_checked_templates(TEMPLATES_DIR, ref)
    make_demo.write_demo(ref, templates, tmp_path / "demo", tmp_path / "matches.csv")
    for made, committed in ((tmp_path / "demo" / "organisations.csv", ROOT / "data/demo/organisations.csv"),
                            (tmp_path / "demo" / "streams.csv", ROOT / "data/demo/streams.csv"),
                            (tmp_path / "matches.csv", ROOT / "data/labels/matches.csv")):
        assert made.read_bytes() == committed.read_bytes(), f"{committed.name} differs from the generator's output"
    assert make_demo.check(tmp_path / "demo", tmp_path / "matches.csv", ref) == []


@pytest.mark.parametrize(("rel", "old", "new", "expected"), [
    # an offer's match names a need that does not exist (a cross-reference between templates)
    ("streams/coffee_bioplastic.toml", 'match = ["coffee_grounds_bioplastic", "mushroom_substrate"]',
     'match = ["coffee_grounds_bioplastic", "no_such_need"]',
     "streams/coffee_bioplastic.toml: stream coffee_grounds: no_such_need is not a need template"),
    # an archetype offers a stream template that does not exist
    ("archetypes/food_bio.toml", 'offers = ["coffee_grounds"]', 'offers = ["coffee_grunds"]',
     "archetypes/food_bio.toml: archetype cafe_chain: coffee_grunds is not a stream template"),
    # an EWC code that is not in data/reference/ewc.csv
    ("streams/coffee_bioplastic.toml", 'qty = [8, 60]\newc = ["200108", "020304"]', 'qty = [8, 60]\newc = ["999999"]',
     "streams/coffee_bioplastic.toml: stream coffee_grounds: unknown EWC 999999"),
    # a misspelt field is refused rather than silently ignored
    ("streams/coffee_bioplastic.toml", 'match = ["coffee_grounds_bioplastic", "mushroom_substrate"]',
     'mach = ["coffee_grounds_bioplastic", "mushroom_substrate"]',
     "streams/coffee_bioplastic.toml: stream coffee_grounds: unknown field 'mach'"),
])
def test_broken_template_is_rejected_naming_file_and_entry(tmp_path: Path, ref: make_demo.Reference, rel: str,
                                                           old: str, new: str, expected: str) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    path = templates / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, "the test's anchor text moved; update the test"
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        make_demo.load_checked_templates(templates, ref)
    assert expected in caught.value.problems
