"""Relay-style cursor pagination over an ordered list."""

from __future__ import annotations

import base64

import pytest

from app.errors import BadInput
from app.pagination import MAX_PAGE, decode_cursor, encode_cursor, paginate


def key(item: str) -> str:
    return item


@pytest.fixture
def items() -> list[str]:
    return [f"item-{i:03d}" for i in range(23)]


def walk(items: list[str], first: int) -> list[list[str]]:
    pages, after = [], None
    for _ in range(len(items) + 1):  # a walk that never ends fails instead of hanging
        page = paginate(items, key, first, after)
        pages.append([item for item, _ in page.items])
        if not page.has_next:
            return pages
        after = page.items[-1][1]  # endCursor
    raise AssertionError(f"more than {len(items) + 1} pages: {pages[:3]}...")


@pytest.mark.parametrize("first", [1, 5, 7, 23, 100])
def test_pages_walk_the_whole_list_without_gap_or_duplicate(items: list[str], first: int) -> None:
    pages = walk(items, first)
    assert [item for page in pages for item in page] == items
    assert all(len(page) == first for page in pages[:-1])
    assert len(pages) == -(-len(items) // first)


def test_has_next_and_has_previous(items: list[str]) -> None:
    first = paginate(items, key, 10, None)
    assert (first.has_next, first.has_previous) == (True, False)
    middle = paginate(items, key, 10, first.items[-1][1])
    assert (middle.has_next, middle.has_previous) == (True, True)
    last = paginate(items, key, 10, middle.items[-1][1])
    assert (len(last.items), last.has_next, last.has_previous) == (3, False, True)


def test_exactly_one_full_page_has_no_next(items: list[str]) -> None:
    page = paginate(items, key, len(items), None)
    assert (len(page.items), page.has_next) == (len(items), False)


def test_each_item_carries_its_own_cursor(items: list[str]) -> None:
    for item, cursor in paginate(items, key, 5, None).items:
        assert decode_cursor(cursor) == item


def test_first_zero_is_an_empty_page(items: list[str]) -> None:
    page = paginate(items, key, 0, None)
    assert (page.items, page.has_next, page.has_previous) == ([], True, False)
    assert paginate([], key, 0, None).has_next is False


def test_an_empty_list(items: list[str]) -> None:
    page = paginate([], key, 10, None)
    assert (page.items, page.has_next, page.has_previous) == ([], False, False)


@pytest.mark.parametrize("first", [-1, MAX_PAGE + 1, 10_000])
def test_first_out_of_bounds_is_bad_input(items: list[str], first: int) -> None:
    with pytest.raises(BadInput) as err:
        paginate(items, key, first, None)
    assert err.value.field == "first"


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "!!!",
        "",
        "é",
        base64.urlsafe_b64encode(b"c2:item-001").decode(),  # another version
        base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(),  # not text
        "abc",  # bad padding
    ],
)
def test_garbage_cursor_is_bad_input(items: list[str], cursor: str) -> None:
    with pytest.raises(BadInput) as err:
        paginate(items, key, 5, cursor)
    assert err.value.field == "after"


def test_cursor_of_a_deleted_item_resumes_after_where_it_was(items: list[str]) -> None:
    page = paginate(items, key, 5, None)
    end = page.items[-1]
    items.remove(end[0])
    next_page = paginate(items, key, 5, end[1])
    assert [item for item, _ in next_page.items] == items[4:9]
    assert next_page.items[0][0] > end[0]


def test_cursor_past_the_end(items: list[str]) -> None:
    page = paginate(items, key, 5, encode_cursor("zzz"))
    assert (page.items, page.has_next, page.has_previous) == ([], False, True)


def test_cursor_round_trip() -> None:
    for value in ["", "a", "c1:nested", "ünï/ködé"]:
        assert decode_cursor(encode_cursor(value)) == value
