"""Form values → typed values: every rule, each error naming its field."""

from __future__ import annotations

import math

import pytest

from app.catalog.model import Catalog, Entry, EveryTarget, Field, FieldType, TargetSpec
from app.catalog.validate import MASK, InvalidValues, mask, validate_create, validate_update
from app.errors import BadInput, NotFound

HOST = EveryTarget()

ENTRY = Entry(
    id="demo",
    name="Demo",
    description="every kind of field",
    fields=(
        Field("name", FieldType.STRING, "a name", required=True, min=2, max=10),
        Field("slug", FieldType.STRING, "a slug", default="abc", pattern="[a-z]+"),
        Field("count", FieldType.INTEGER, "how many", default=1, min=1, max=5),
        Field("ratio", FieldType.NUMBER, "a share", default=0.5, min=0, max=1),
        Field("enabled", FieldType.BOOLEAN, "on or off", default=False),
        Field("size", FieldType.ENUM, "how big", default="small", options=("small", "large")),
        Field("tags", FieldType.LIST_OF_STRINGS, "labels", default=[], max=3),
        Field("secret", FieldType.STRING, "a password", default="", sensitive=True),
    ),
    targets={
        "local": TargetSpec("local", {}, ()),
        "docker": TargetSpec("docker", {}, ("docker",)),
    },
)

DEFAULTS = {
    "slug": "abc",
    "count": 1,
    "ratio": 0.5,
    "enabled": False,
    "size": "small",
    "tags": [],
    "secret": "",
}


@pytest.fixture(autouse=True)
def no_docker(monkeypatch):
    """This host has every executable except docker, whatever the real machine has."""
    monkeypatch.setattr("app.catalog.model.shutil.which", lambda exe: None if exe == "docker" else f"/bin/{exe}")


def ok(**given):
    return {"name": "ab", **given}


BAD_CREATE = [
    # (target, variables, field, words in the message)
    ("nope", ok(), "target", "no target 'nope'"),
    (None, ok(), "target", "no target"),
    ("docker", ok(), "target", "needs docker on PATH"),
    ("local", "not a dict", "variables", "must be an object"),
    ("local", ok(colour="red"), "colour", "unknown variable"),
    ("local", {}, "name", "required"),
    ("local", {"name": None}, "name", "required"),
    ("local", ok(name=5), "name", "must be a string"),
    ("local", ok(name="a"), "name", "at least 2 characters"),
    ("local", ok(name="x" * 11), "name", "at most 10 characters"),
    ("local", ok(slug="ABC"), "slug", "must match the pattern"),
    ("local", ok(slug="abc1"), "slug", "must match the pattern"),  # whole value, not a prefix
    ("local", ok(count=True), "count", "whole number"),
    ("local", ok(count=2.5), "count", "whole number"),
    ("local", ok(count="3"), "count", "whole number"),
    ("local", ok(count=0), "count", "at least 1"),
    ("local", ok(count=6), "count", "at most 5"),
    ("local", ok(count=math.inf), "count", "whole number"),
    ("local", ok(ratio=True), "ratio", "must be a number"),
    ("local", ok(ratio="0.5"), "ratio", "must be a number"),
    ("local", ok(ratio=math.nan), "ratio", "finite"),
    ("local", ok(ratio=-0.1), "ratio", "at least 0"),
    ("local", ok(ratio=1.5), "ratio", "at most 1"),
    ("local", ok(enabled="true"), "enabled", "true or false"),
    ("local", ok(enabled=1), "enabled", "true or false"),
    ("local", ok(size="medium"), "size", "one of: small, large"),
    ("local", ok(size=1), "size", "one of"),
    ("local", ok(tags="a"), "tags", "list of strings"),
    ("local", ok(tags=["a", 2]), "tags", "item 2 must be a string"),
    ("local", ok(tags=["a", "b", "c", "d"]), "tags", "at most 3 items"),
    ("local", ok(secret=123), "secret", "must be a string"),
]


@pytest.mark.parametrize("target, variables, field, words", BAD_CREATE)
def test_create_refuses_bad_input_naming_the_field(target, variables, field, words):
    with pytest.raises(BadInput) as caught:
        validate_create(ENTRY, target, variables, HOST)
    err = caught.value
    assert err.code == "BAD_USER_INPUT"
    assert err.field == field
    assert err.message.startswith(f"{field}: ")
    assert words in err.message


def test_create_fills_defaults():
    assert validate_create(ENTRY, "local", {"name": "ab"}, HOST) == {"name": "ab", **DEFAULTS}


def test_create_returns_typed_values():
    values = validate_create(
        ENTRY,
        "local",
        {"name": "ab", "count": 3.0, "ratio": 1, "enabled": True, "tags": ("x", "y")},
        HOST,
    )
    assert values["count"] == 3 and type(values["count"]) is int
    assert values["ratio"] == 1 and type(values["ratio"]) is int
    assert values["enabled"] is True
    assert values["tags"] == ["x", "y"]


def test_default_list_is_not_shared():
    values = validate_create(ENTRY, "local", {"name": "ab"}, HOST)
    values["tags"].append("mutated")
    assert ENTRY.field("tags").default == []


def test_create_reports_every_problem_at_once():
    with pytest.raises(InvalidValues) as caught:
        validate_create(ENTRY, "nope", {"colour": "red", "count": 9, "size": "huge"}, HOST)
    err = caught.value
    assert [field for field, _ in err.problems] == ["target", "colour", "name", "count", "size"]
    assert err.field == "target"
    for field in ("target", "colour", "name", "count", "size"):
        assert f"{field}: " in err.message
    assert err.message.count("; ") == 4


CURRENT = {"name": "ab", **DEFAULTS, "count": 2, "secret": "s3cret"}


def test_update_merges_changes_into_current():
    values = validate_update(ENTRY, CURRENT, {"count": 4, "tags": ["x"]})
    assert values == {**CURRENT, "count": 4, "tags": ["x"]}


@pytest.mark.parametrize("changes", [{}, {"secret": None}, {"secret": MASK}])
def test_update_keeps_an_omitted_or_masked_sensitive_value(changes):
    assert validate_update(ENTRY, CURRENT, changes)["secret"] == "s3cret"


def test_update_replaces_a_sensitive_value_when_given():
    assert validate_update(ENTRY, CURRENT, {"secret": "new"})["secret"] == "new"
    assert validate_update(ENTRY, CURRENT, {"secret": ""})["secret"] == ""


def test_mask_is_only_the_sensitive_fields_shortcut():
    # a non-sensitive field sent as the mask text is just a (here: too long) string
    with pytest.raises(BadInput) as caught:
        validate_update(ENTRY, CURRENT, {"name": MASK * 2})
    assert caught.value.field == "name"


@pytest.mark.parametrize(
    "changes, field, words",
    [
        ({"count": 7}, "count", "at most 5"),
        ({"colour": "red"}, "colour", "unknown variable"),
        ({"enabled": "yes"}, "enabled", "true or false"),
        ("nope", "variables", "must be an object"),
    ],
)
def test_update_revalidates(changes, field, words):
    with pytest.raises(BadInput) as caught:
        validate_update(ENTRY, CURRENT, changes)
    assert caught.value.field == field
    assert f"{field}: " in caught.value.message and words in caught.value.message


def test_update_follows_a_changed_template():
    # fields the template dropped go; new optional fields get defaults; new required
    # fields must be given
    values = validate_update(ENTRY, {"name": "ab", "gone": 1}, {})
    assert values == {"name": "ab", **DEFAULTS}
    with pytest.raises(BadInput) as caught:
        validate_update(ENTRY, {"count": 2}, {})
    assert caught.value.field == "name" and "name: required" in caught.value.message


def test_update_revalidates_current_values_too():
    with pytest.raises(BadInput) as caught:
        validate_update(ENTRY, {**CURRENT, "count": 99}, {})
    assert caught.value.field == "count"


def test_mask_hides_sensitive_values_only():
    masked = mask(ENTRY, CURRENT)
    assert masked == {**CURRENT, "secret": MASK}
    assert CURRENT["secret"] == "s3cret"
    assert mask(ENTRY, {"name": "ab"}) == {"name": "ab"}


def test_available_targets_follow_path(monkeypatch):
    assert ENTRY.available_targets(HOST) == ["local"]
    assert ENTRY.unavailable_reason("local", HOST) is None
    assert "needs docker on PATH" in ENTRY.unavailable_reason("docker", HOST)
    assert "no target 'aws'" in ENTRY.unavailable_reason("aws", HOST)
    monkeypatch.setattr("app.catalog.model.shutil.which", lambda exe: f"/bin/{exe}")
    assert ENTRY.available_targets(HOST) == ["local", "docker"]


def test_catalog_get():
    catalog = Catalog({"demo": ENTRY})
    assert catalog.get("demo") is ENTRY
    assert list(catalog) == [ENTRY] and len(catalog) == 1
    with pytest.raises(NotFound) as caught:
        catalog.get("nope")
    assert "nope" in caught.value.message
    with pytest.raises(NotFound):
        catalog.get(None)


# --- generated secrets ---


def _generated_entry():
    pw = Field("password", FieldType.STRING, sensitive=True, default="", max=64, generate=True)
    return Entry("e", "E", "", (pw,), {"local": TargetSpec("local", {})})


def test_an_empty_generated_field_gets_a_strong_value_once():
    entry = _generated_entry()
    first = validate_create(entry, "local", {}, HOST)["password"]
    second = validate_create(entry, "local", {"password": ""}, HOST)["password"]
    assert len(first) == 32 and first.isalnum() and first != second
    assert validate_create(entry, "local", {"password": "mine"}, HOST)["password"] == "mine"
    # an update that leaves it out keeps it; the mask sent back keeps it
    assert validate_update(entry, {"password": first}, {})["password"] == first
    assert validate_update(entry, {"password": first}, {"password": "********"})["password"] == first
