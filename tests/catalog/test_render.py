"""Typed values → a target's variables: `{{name}}` substitution and nothing else."""

from __future__ import annotations

import pytest

from app.catalog.model import Entry, Field, FieldType, TargetSpec
from app.catalog.render import render

BUILTINS = {"service_id": "0b7c6d4e-0000-4000-8000-000000000001", "service_name": "my-site"}


def entry(variables: dict) -> Entry:
    return Entry(
        id="demo",
        name="Demo",
        description="demo",
        fields=(
            Field("port", FieldType.INTEGER, default=8080),
            Field("ratio", FieldType.NUMBER, default=0.5),
            Field("on", FieldType.BOOLEAN, default=True),
            Field("title", FieldType.STRING, default="Hi"),
            Field("tags", FieldType.LIST_OF_STRINGS, default=["a", "b"]),
        ),
        targets={"local": TargetSpec("local", variables)},
    )


VALUES = {"port": 8080, "ratio": 0.5, "on": True, "title": "Hi", "tags": ["a", "b"]}


def run(variables: dict, values: dict = VALUES) -> dict:
    return render(entry(variables), "local", values, BUILTINS)


def test_exact_placeholder_keeps_the_type():
    out = run({"p": "{{port}}", "r": "{{ratio}}", "o": "{{on}}", "t": "{{tags}}", "s": "{{title}}"})
    assert out["p"] == 8080 and type(out["p"]) is int
    assert out["r"] == 0.5 and type(out["r"]) is float
    assert out["o"] is True
    assert out["t"] == ["a", "b"]
    assert out["s"] == "Hi"


def test_placeholder_inside_a_string_becomes_text():
    out = run(
        {
            "a": "port={{port}}",
            "b": "{{port}}mb",
            "c": "{{on}}/{{title}}",
            "d": "tags: {{tags}}",
            "e": "{{title}}{{title}}",
        }
    )
    assert out["a"] == "port=8080"
    assert out["b"] == "8080mb"
    assert out["c"] == "true/Hi"
    assert out["d"] == 'tags: ["a", "b"]'
    assert out["e"] == "HiHi"
    assert run({"c": "{{on}}!"}, {**VALUES, "on": False})["c"] == "false!"


def test_walks_nested_dicts_and_lists_and_leaves_keys_and_other_values_alone():
    variables = {
        "command": ["serve", "--port", "{{port}}", "--flag"],
        "files": {"{{title}}.txt": "<h1>{{title}}</h1>"},
        "deep": [{"x": ["{{tags}}", 1, None, False]}],
        "plain": 3,
    }
    out = run(variables)
    assert out["command"] == ["serve", "--port", 8080, "--flag"]
    assert out["files"] == {"{{title}}.txt": "<h1>Hi</h1>"}
    assert out["deep"] == [{"x": [["a", "b"], 1, None, False]}]
    assert out["plain"] == 3
    assert variables["command"][2] == "{{port}}"  # the template itself is untouched


def test_builtins_are_top_level_and_usable_as_placeholders():
    out = run({"env": {"NAME": "{{service_name}}"}, "id": "{{service_id}}"})
    assert out["service_id"] == BUILTINS["service_id"]
    assert out["service_name"] == "my-site"
    assert out["env"] == {"NAME": "my-site"}
    assert out["id"] == BUILTINS["service_id"]


def test_builtins_win_over_a_template_variable_of_the_same_name():
    assert run({"service_name": "{{title}}"})["service_name"] == "my-site"


def test_rendered_lists_are_copies():
    values = {**VALUES, "tags": ["a"]}
    out = run({"t": "{{tags}}"}, values)
    out["t"].append("b")
    assert values["tags"] == ["a"]


@pytest.mark.parametrize("text", ["{{nope}}", "x {{nope}} y", "{{ port }}", "{{}}", "{{Port}}"])
def test_unknown_placeholder_is_an_authoring_error(text):
    with pytest.raises(ValueError, match="placeholder .* names no field") as caught:
        run({"v": [text]})
    assert "demo" in str(caught.value)


def test_missing_value_for_a_field():
    with pytest.raises(ValueError, match="no value for field 'port'"):
        run({"p": "{{port}}"}, {"title": "Hi"})


def test_missing_builtins():
    with pytest.raises(ValueError, match="service_name"):
        render(entry({}), "local", VALUES, {"service_id": "x"})


def test_unknown_target():
    with pytest.raises(ValueError, match="no target 'aws'"):
        render(entry({}), "aws", VALUES, BUILTINS)
