import pytest

from matchmaker.io.validate import parse_organisation, parse_stream

ORG = {"id": "A1", "name": "Firma ApS", "kind": "firm", "sector": "food_bio", "postcode": "8000"}
STREAM = {"id": "S1", "org_id": "A1", "direction": "offer", "title": "Valle", "language": "da",
          "material": "food_organic"}


def columns(problems):
    return {c for c, _ in problems}


def test_minimal_records_pass_and_get_defaults():
    org, problems = parse_organisation(ORG)
    assert problems == [] and org.is_economic_partner
    stream, problems = parse_stream(STREAM)
    assert problems == [] and stream.confidentiality == "public" and stream.availability == "continuous"


@pytest.mark.parametrize("column,value,message", [
    ("cvr", "12345678", "CVR"),
    ("postcode", "0000", "postcode"),
    ("nace", "99.99", "NACE"),
    ("kind", "company", "expected one of"),
    ("sector", "mining", "expected one of"),
    ("employees", "-3", "negative"),
    ("founded_year", "3024", "founding year"),
    ("id", "bad id!", "ids are"),
    ("name", "x" * 300, "longer than"),
    ("in_difficulty", "perhaps", "true/false"),
])
def test_organisation_field_errors(column, value, message):
    org, problems = parse_organisation({**ORG, column: value})
    assert org is None
    assert any(c == column and message in m for c, m in problems), problems


def test_missing_required_values():
    _, problems = parse_organisation({"id": "A1"})
    assert {"name", "kind", "sector", "postcode"} <= columns(problems)


def test_closed_years_must_fit_the_founding_year():
    _, problems = parse_organisation({**ORG, "founded_year": "2025", "closed_financial_years": "5"})
    assert "closed_financial_years" in columns(problems)


@pytest.mark.parametrize("extra,column", [
    ({"ewc": "999999"}, "ewc"),
    ({"quantity": "-5", "unit": "t/yr"}, "quantity"),
    ({"quantity": "0", "unit": "t/yr"}, "quantity"),
    ({"quantity": "5"}, "unit"),
    ({"quantity": "5", "unit": "kg"}, "unit"),
    ({"availability": "seasonal"}, "months"),
    ({"availability": "continuous", "months": "3-4"}, "months"),
    ({"availability": "batch"}, "interval_days"),
    ({"direction": "need", "fate": "landfill"}, "fate"),
    ({"fate": "burning"}, "fate"),
    ({"language": "de"}, "language"),
    ({"confidentiality": "secret"}, "confidentiality"),
    ({"title": "a\x00b"}, "title"),
])
def test_stream_field_errors(extra, column):
    stream, problems = parse_stream({**STREAM, **extra})
    assert stream is None
    assert column in columns(problems), problems


def test_ewc_forms_and_hazard():
    stream, _ = parse_stream({**STREAM, "ewc": "16 06 01*"})
    assert stream.ewc == "160601"


def test_waste_hierarchy_level_from_fate():
    stream, _ = parse_stream({**STREAM, "fate": "landfill"})
    assert stream.hierarchy_level == 1
    stream, _ = parse_stream({**STREAM, "fate": "reuse"})
    assert stream.hierarchy_level == 4
