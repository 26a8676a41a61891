"""Ids that may reach a key or a path: only canonical UUIDs pass."""

from __future__ import annotations

import uuid

import pytest

from app.errors import BadInput
from app.ids import check_id, new_id

CANONICAL = "0f8fad5b-d9cb-469f-a165-70867728950e"


def test_new_ids_are_canonical_random_uuids() -> None:
    ids = {new_id() for _ in range(100)}
    assert len(ids) == 100
    for value in ids:
        assert uuid.UUID(value).version == 4
        assert check_id(value) == value


def test_a_canonical_uuid_passes_unchanged() -> None:
    assert check_id(CANONICAL) == CANONICAL


def test_upper_case_is_the_same_id() -> None:
    assert check_id(CANONICAL.upper()) == CANONICAL


@pytest.mark.parametrize(
    "value",
    [
        "",
        "not-a-uuid",
        "../../etc/passwd",
        CANONICAL + "/..",
        CANONICAL.replace("-", ""),  # hex without hyphens
        "{" + CANONICAL + "}",
        "urn:uuid:" + CANONICAL,
        " " + CANONICAL,
        CANONICAL + "\n",
        CANONICAL[:-1],
        CANONICAL.replace("-", "", 1),  # a hyphen missing
        CANONICAL.replace("-", "--", 1),  # one too many
    ],
)
def test_other_spellings_and_non_ids_are_bad_input(value: str) -> None:
    with pytest.raises(BadInput) as err:
        check_id(value, "service")
    assert err.value.field == "service"


@pytest.mark.parametrize("value", [None, 42, uuid.UUID(CANONICAL), CANONICAL.encode(), [CANONICAL]])
def test_a_non_string_is_bad_input(value: object) -> None:
    with pytest.raises(BadInput) as err:
        check_id(value)
    assert err.value.field == "id"
