"""The one number parser and the free-text quantity and timing extractor."""

import numpy as np
import pytest

from matchmaker import cells, quantities
from matchmaker.quantities import extract_quantity, extract_timing, read_number, read_text_number


@pytest.mark.parametrize("text,per_year,unit", [
    ("ca. 40 t om året", 40, "t/yr"),
    ("2.000 m3 pr. måned", 24_000, "m3/yr"),
    ("op mod 50 t i timen", 50 * 8760, "t/yr"),
    ("150.000-200.000 t a year", 175_000, "t/yr"),
    ("weekly batches of 5 t", 5 * 52, "t/yr"),
    ("ca. 70 brugte batterier om året", 70, "pieces/yr"),
    ("We have roughly 200,000 t a year of moist FGD gypsum.", 200_000, "t/yr"),
    ("Vi har ca. 200.000 t om året af fugtig røggasgips", 200_000, "t/yr"),
    ("Vi har ca. 18.000 MWh overskudsvarme om året ved 30-45 °C", 18_000, "MWh/yr"),
    ("Vi har ca. 750 ton returbeton og betonslam om året.", 750, "t/yr"),
    ("Victoria og Waterloo alene giver ca. otte ton om måneden.", 96, "t/yr"),
    ("around 780 units a year", 780, "pieces/yr"),
    ("about 2.2 tonnes a year", 2.2, "t/yr"),
    ("1,5 t/dag", 1.5 * 365, "t/yr"),
    ("350 kg/uge", 0.35 * 52, "t/yr"),
    ("3 mio. liter om året", 3000, "m3/yr"),
    ("1.200 kWh per month", 14.4, "MWh/yr"),
    ("2 GWh/år", 2000, "MWh/yr"),
    ("20 m³ om dagen", 7300, "m3/yr"),
    ("5 MW overskudsvarme døgnet rundt", 5 * 8760, "MWh/yr"),
    ("We generate around 10 t every 2 weeks", 10 * 365 / 14, "t/yr"),
    ("1,234.5 tonnes per year", 1234.5, "t/yr"),
    ("1.234,5 ton årligt", 1234.5, "t/yr"),
    ("12 000 t/yr", 12_000, "t/yr"),
    ("Produktionen giver 4 til 6 tons om ugen", 5 * 52, "t/yr"),
    ("We need 500 kg a day, every day", 0.5 * 365, "t/yr"),
    ("about 3 tonnes of lead-acid batteries a year", 3, "t/yr"),
])
def test_quantities_from_free_text(text, per_year, unit):
    found = extract_quantity(text)
    assert found is not None, text
    assert found.unit == unit
    assert found.per_year == pytest.approx(per_year, rel=1e-6)


@pytest.mark.parametrize("text", [
    "", "Vi har kaffegrums", "12 tonnes",            # no amount, or no rate: not a yearly flow
    "40-70 °C in winter", "Since 1982 we have delivered steam", "100% gluten-free",
    "t om året", "ca. om året t", "1.2.3 t om året x", "every 3-4 years", "ca. 50 % om året",
    "Tallet er 20 cm om året",
])
def test_no_quantity_where_none_is_stated(text):
    assert extract_quantity(text) is None


def test_notes_spell_out_assumptions_and_ranges():
    assert "8,760 h" in extract_quantity("op mod 50 t i timen").note
    assert "up to" in extract_quantity("op mod 50 t i timen").note
    assert "middle of the range" in extract_quantity("150.000-200.000 t a year").note
    assert "365 days" in extract_quantity("1,5 t/dag").note
    assert "about" in extract_quantity("ca. 40 t om året").note


def test_unit_hint_prefers_the_streams_unit():
    text = "Vi leverer 5.000 MWh varme om året og 300 t slam om året"
    assert extract_quantity(text).unit == "MWh/yr"
    assert extract_quantity(text, "t/yr").per_year == 300


@pytest.mark.parametrize("text,availability,months,interval", [
    ("seasonal, Sept-Nov", "seasonal", (9, 10, 11), None),
    ("Vi har det fra september til november", "seasonal", (9, 10, 11), None),
    ("Only in summer", "seasonal", (6, 7, 8), None),
    ("sæsonbestemt, nov-feb", "seasonal", (1, 2, 11, 12), None),
    ("hele året", "continuous", (), None),
    ("continuous flow, year-round", "continuous", (), None),
    ("hver anden uge", "batch", (), 14),
    ("weekly batches of 5 t", "batch", (), 7),
    ("4 gange om året", "batch", (), 91),
    ("one-off batch of 200 t", "batch", (), None),
])
def test_timing(text, availability, months, interval):
    t = extract_timing(text)
    assert (t.availability, t.months, t.interval_days) == (availability, months, interval)


def test_no_timing_where_none_is_stated():
    assert extract_timing("Vi har kaffegrums") is None


def test_one_number_parser_for_forms_and_cells():
    assert cells.parse_number is quantities.parse_number
    assert read_number("1.234,5").value == 1234.5 and not read_number("1.234,5").ambiguous
    danish = read_number("1.200", decimal_comma=True)
    assert danish.value == 1200 and danish.ambiguous and "1.2" in danish.note
    english = read_number("1,200")
    assert english.value == 1.2 and english.ambiguous and "1200" in english.note
    assert not read_number("1,5").ambiguous
    with pytest.raises(ValueError, match="not a number"):
        read_number("12 t")


def test_text_numbers():
    assert read_text_number("150.000").value == 150_000 and not read_text_number("150.000").ambiguous
    assert read_text_number("1,5").value == 1.5
    assert read_text_number("1,200.5").value == 1200.5
    assert read_text_number("1.250").ambiguous   # 1250, or 1.25 with a decimal point


def test_quantity_component_uses_the_stated_amount(vocab):
    from matchmaker.matching.explain import Match, explain
    from matchmaker.matching.features import components
    from matchmaker.matching.index import MatchIndex, query_stream
    from matchmaker.model import Organisation, Stream

    class Zero:
        def encode(self, texts):
            return np.zeros((len(texts), 4), np.float32)

    orgs = [Organisation(id="A", name="A", kind="firm", sector="other", postcode=""),
            Organisation(id="B", name="B", kind="firm", sector="other", postcode="")]
    offer = Stream(id="o", org_id="A", direction="offer", title="Kaffegrums", language="da", material="food_organic",
                   description="Vi har ca. 40 t om året")
    need = Stream(id="n", org_id="B", direction="need", title="Coffee grounds", language="en", material="food_organic",
                  description="We take up to 40 tonnes a year")
    index = MatchIndex(orgs, [offer, need], Zero(), vocab)
    assert components(index.offers, index.needs)["quantity"][0, 0] == pytest.approx(1.0)   # not the neutral 0.5
    sentence = explain(Match("o", "n", 0.5, {"uplift": 0.0}, None, False), offer, need, {"A": "A", "B": "B"})
    assert "40 t/yr offered for 40 needed" in sentence and "read from the text" in sentence
    q = query_stream("Vi søger 2.000 m3 pr. måned procesvand", "need")
    assert (q.quantity, q.unit, q.language) == (24_000, "m3/yr", "da")
