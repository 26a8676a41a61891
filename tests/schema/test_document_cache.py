"""Repeated documents are parsed and validated once (strawberry's ParserCache and
ValidationCache), and the request limits still refuse a cached document every time."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry.schema.schema as strawberry_schema

from app.settings import Settings
from schema.root import build_schema


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per validation graphql-core actually ran (a cache hit runs none)."""
    ran: list[int] = []
    real = strawberry_schema.validate

    def counting(*args: Any, **kwargs: Any) -> Any:
        ran.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(strawberry_schema, "validate", counting)
    return ran


def deep(levels: int) -> str:
    inner = "id"
    for _ in range(levels):
        inner = f"jobs {{ edges {{ node {{ service {{ {inner} }} }} }} }}"
    return f"{{ services {{ edges {{ node {{ {inner} }} }} }} }}"


async def test_a_repeated_document_is_validated_once(validations: list[int]) -> None:
    schema = build_schema()
    for _ in range(3):
        await schema.execute("{ catalog { id } }", context_value=None)
    assert len(validations) == 1


async def test_a_too_deep_query_is_refused_each_time_it_is_sent(validations: list[int]) -> None:
    schema = build_schema(Settings(max_query_depth=6))
    for attempt in range(2):
        result = await schema.execute(deep(3), context_value=None)
        assert result.errors, attempt
        assert "depth" in result.errors[0].message.lower(), attempt
        assert (result.errors[0].extensions or {}).get("code") == "BAD_USER_INPUT", attempt
        assert result.data is None, attempt
    assert len(validations) == 1  # the second refusal came from the cache


async def test_an_alias_bomb_is_refused_each_time_it_is_sent() -> None:
    schema = build_schema(Settings(max_aliases=5))
    bomb = "{ " + " ".join(f"a{i}: catalog {{ id }}" for i in range(10)) + " }"
    for attempt in range(2):
        result = await schema.execute(bomb, context_value=None)
        assert result.errors and "alias" in result.errors[0].message.lower(), attempt


async def test_too_many_tokens_are_refused_each_time_they_are_sent() -> None:
    schema = build_schema(Settings(max_tokens=50))
    query = "{ me { " + " ".join(["tenantId"] * 100) + " } }"
    for attempt in range(2):
        result = await schema.execute(query, context_value=None)
        assert result.errors and "token" in result.errors[0].message.lower(), attempt
        assert (result.errors[0].extensions or {}).get("code") == "GRAPHQL_PARSE_FAILED", attempt
