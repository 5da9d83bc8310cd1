"""The typed-number rule: the form language's grouping separator groups thousands, the other
one before exactly three digits is refused with both readings; everything else is read once."""

import pytest

from matchmaker.typed import TypedNumberError, read_typed


@pytest.mark.parametrize("text, danish, value", [
    ("1.200", True, 1200), ("100.000", True, 100000), ("1.234.567,5", True, 1234567.5), ("1,5", True, 1.5),
    ("1200", True, 1200), (" 40 ", True, 40), ("1 200", True, 1200),
    ("1,200", False, 1200), ("1,234,567.5", False, 1234567.5), ("1.5", False, 1.5), ("0.54", False, 0.54), ("", False, None),
])
def test_read(text, danish, value):
    assert read_typed(text, danish) == value


@pytest.mark.parametrize("text, danish, readings", [
    ("1.200", False, ("1.2", "1200")), ("1,200", True, ("1,2", "1200")), ("100.000", False, ("100", "100000")),
])
def test_doubt_is_refused_with_both_readings(text, danish, readings):
    with pytest.raises(TypedNumberError) as caught:
        read_typed(text, danish)
    assert all(r in str(caught.value) for r in readings) and caught.value.message.params["raw"] == text


def test_not_a_number():
    with pytest.raises(TypedNumberError, match="not a number"):
        read_typed("fyrre", True)
