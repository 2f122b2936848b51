"""The JSON list-size guard names its field only when a list is long enough to break a limit (session s37).

Naming every node of a phenopacket cost about 0.3 ms of its 1.4 ms read; the guard now first looks for a list
longer than the smallest limit without building names, and names the field as before when it finds one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from marbledx.errors import InputError
from marbledx.findings._io import MAX_JSON_LIST_ITEMS, parse_json_object

PATH = Path("case.json")


def _nested(items: int) -> str:
    """A document whose only long list sits deep inside a list item."""
    return '{"a": [{"b": {"c": [' + ",".join(["1"] * items) + "]}}]}"


def test_no_limits_given_uses_the_general_one() -> None:
    # No list_limits at all (the pedigree reader's call): the smallest limit is the general one.
    assert parse_json_object(PATH, _nested(MAX_JSON_LIST_ITEMS), expected="x")["a"][0]["b"]["c"][0] == 1
    with pytest.raises(InputError, match=r"a\[0\]\.b\.c has 10,001 items; expected at most 10,000"):
        parse_json_object(PATH, _nested(MAX_JSON_LIST_ITEMS + 1), expected="x")


def test_a_lower_limit_for_one_field_is_kept() -> None:
    text = '{"people": [1, 2, 3], "other": [1, 2, 3, 4]}'
    with pytest.raises(InputError, match="people has 3 items; expected at most 2"):
        parse_json_object(PATH, text, expected="x", list_limits={"people": 2})
    parse_json_object(PATH, text, expected="x", list_limits={"people": 3})


def test_a_higher_limit_for_one_field_lets_it_pass_but_not_the_others() -> None:
    long = ",".join(["0"] * (MAX_JSON_LIST_ITEMS + 1))
    parse_json_object(PATH, f'{{"people": [{long}]}}', expected="x", list_limits={"people": 100_000})
    with pytest.raises(InputError, match="other has 10,001 items"):
        parse_json_object(
            PATH, f'{{"people": [{long}], "other": [{long}]}}', expected="x", list_limits={"people": 100_000}
        )
