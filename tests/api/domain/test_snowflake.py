"""Discord ids: positive 64-bit integers, decimal strings on the wire."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.domain.errors import ErrorCode, RuleViolation
from api.domain.snowflake import MAX_SNOWFLAKE, is_snowflake, parse_snowflake

from .builders import PROPERTY

FIELD = ("input", "partnerGuildId")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1),
        ("175928847299117063", 175928847299117063),
        (str(2**64 - 1), 2**64 - 1),
        ("18446744073709551615", MAX_SNOWFLAKE),  # 20 digits: the longest allowed
        (1, 1),
        (175928847299117063, 175928847299117063),
        (2**64 - 1, 2**64 - 1),
    ],
)
def test_valid_ids_parse_to_their_integer(value, expected):
    assert parse_snowflake(value, FIELD) == expected
    assert is_snowflake(value) is True


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "'' is not a Discord id."),
        ("abc", "'abc' is not a Discord id."),
        ("-1", "'-1' is not a Discord id."),
        ("+1", "'+1' is not a Discord id."),
        (" 1", "' 1' is not a Discord id."),
        ("1 ", "'1 ' is not a Discord id."),
        ("1e5", "'1e5' is not a Discord id."),
        ("12.0", "'12.0' is not a Discord id."),
        ("0", "0 is out of range for a Discord id."),
        ("00000000000000000000", "0 is out of range for a Discord id."),
        (0, "0 is out of range for a Discord id."),
        (-1, "-1 is out of range for a Discord id."),
        (2**64, "18446744073709551616 is out of range for a Discord id."),
        (str(2**64), "18446744073709551616 is out of range for a Discord id."),
        ("9" * 20, "99999999999999999999 is out of range for a Discord id."),
        ("1" + "0" * 20, "'100000000000000000000' is not a Discord id."),  # 21 digits
        ("0" * 20 + "1", "'000000000000000000001' is not a Discord id."),  # 21 digits, small value
        (1.0, "'1.0' is not a Discord id."),
        (175928847299117063.0, "'1.7592884729911706e+17' is not a Discord id."),
        (True, "Expected a Discord id (a decimal string)."),
        (False, "Expected a Discord id (a decimal string)."),
        (None, "'None' is not a Discord id."),
        ("١٢٣", "'١٢٣' is not a Discord id."),  # Arabic-Indic digits: str.isdigit() is True
        ("１２３", "'１２３' is not a Discord id."),  # fullwidth digits
        ("²", "'²' is not a Discord id."),  # superscript two: isdigit() but not a decimal
        (b"123", "\"b'123'\" is not a Discord id."),
        ([1], "'[1]' is not a Discord id."),
    ],
)
def test_anything_else_is_a_validation_error_on_the_given_field(value, message):
    with pytest.raises(RuleViolation) as caught:
        parse_snowflake(value, FIELD)
    assert caught.value.code == ErrorCode.VALIDATION
    assert caught.value.field == FIELD
    assert caught.value.message == message
    assert is_snowflake(value) is False


def test_the_field_path_defaults_to_none():
    with pytest.raises(RuleViolation) as caught:
        parse_snowflake("abc")
    assert caught.value.field is None


def test_a_very_long_junk_value_is_quoted_shortened():
    with pytest.raises(RuleViolation) as caught:
        parse_snowflake("x" * 1000, FIELD)
    assert caught.value.message == f"{'x' * 40!r} is not a Discord id."


@PROPERTY
@given(st.integers(min_value=1, max_value=MAX_SNOWFLAKE))
def test_every_64_bit_positive_id_round_trips_as_string_and_int(number):
    assert parse_snowflake(str(number)) == number
    assert parse_snowflake(number) == number


@PROPERTY
@given(st.one_of(st.integers(max_value=0), st.integers(min_value=MAX_SNOWFLAKE + 1)))
def test_every_integer_outside_the_range_is_refused(number):
    with pytest.raises(RuleViolation) as caught:
        parse_snowflake(number, FIELD)
    assert (caught.value.code, caught.value.field) == (ErrorCode.VALIDATION, FIELD)
