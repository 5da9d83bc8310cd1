import pytest

from matchmaker import cells
from matchmaker.reference import cvr_is_valid, normalise_ewc


@pytest.mark.parametrize("text,comma,expected", [
    ("1.234,5", False, 1234.5),
    ("1.234,5", True, 1234.5),
    ("1.234", True, 1234.0),       # Danish file: dot groups thousands
    ("1.234", False, 1.234),       # comma file: dot is a decimal point
    ("1.234.567", False, 1234567.0),
    ("1,234.5", False, 1234.5),
    ("40,5", False, 40.5),
    ("12.5", True, 12.5),
    ("1 234", False, 1234.0),
    ("1\u00a0234,75", True, 1234.75),
    (" 7 ", False, 7.0),
    (3, False, 3.0),
])
def test_numbers_in_danish_and_english_formats(text, comma, expected):
    assert cells.parse_number(text, comma) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["abc", "1,2,3.4.5", "1e400", "--1", True, "nan", "inf", "1e20"])
def test_bad_numbers_are_rejected(text):
    with pytest.raises(ValueError):
        cells.parse_number(text)


def test_whole_numbers():
    assert cells.parse_int("2.024", True) == 2024
    with pytest.raises(ValueError, match="whole number"):
        cells.parse_int("2,5")


@pytest.mark.parametrize("text,expected", [("ja", True), ("Nej", False), ("TRUE", True), ("0", False)])
def test_booleans(text, expected):
    assert cells.parse_bool(text) is expected


def test_bad_boolean():
    with pytest.raises(ValueError, match="true/false"):
        cells.parse_bool("maybe")


def test_months_ranges_lists_and_wrap():
    assert cells.parse_months("8-10") == [8, 9, 10]
    assert cells.parse_months("5,6;7") == [5, 6, 7]
    assert cells.parse_months("11-2") == [1, 2, 11, 12]
    assert cells.parse_months([3, 4]) == [3, 4]
    with pytest.raises(ValueError):
        cells.parse_months("13")
    with pytest.raises(ValueError):
        cells.parse_months("may")


def test_choice_is_forgiving_about_case_and_dashes():
    assert cells.parse_choice("Energy-Recovery", ("energy_recovery", "reuse")) == "energy_recovery"
    with pytest.raises(ValueError, match="expected one of: a, b"):
        cells.parse_choice("c", ("a", "b"))


def test_cvr_modulus_11():
    assert cvr_is_valid("10150817")   # Erhvervsstyrelsen, from the seed document
    assert not cvr_is_valid("10150818")
    assert not cvr_is_valid("1015081")
    assert not cvr_is_valid("01234567")


def test_ewc_normalisation():
    assert normalise_ewc("02 01 06") == "020106"
    assert normalise_ewc("16 06 01*") == "160601"
