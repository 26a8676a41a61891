"""The engine's `-json` lines → events → what a job shows.

The JSON lines below are verbatim output of the embedded engine (Terraform 1.15.5)
for `resource "terraform_data" "a"` + `output "o" { value = "v" }`: a plan, an apply,
a destroy and an apply whose local-exec provisioner exits 3. The run that produces
and folds them live is in `test_engine_process.py`.
"""

from __future__ import annotations

import json
from functools import reduce

import pytest

from app.engine.json_events import EngineEvent, ResourceChange, RunView, Summary, fold, human_lines, parse

_RES_A = (
    '"resource":{"addr":"terraform_data.a","module":"","resource":"terraform_data.a",'
    '"implied_provider":"terraform","resource_type":"terraform_data","resource_name":"a","resource_key":null}'
)
VERSION = (
    '{"@level":"info","@message":"Terraform 1.15.5","@module":"terraform.ui",'
    '"@timestamp":"2026-11-27T03:42:52.043240Z","terraform":"1.15.5","type":"version","ui":"1.3"}'
)
PLANNED_CREATE = (
    '{"@level":"info","@message":"terraform_data.a: Plan to create","@module":"terraform.ui",'
    '"@timestamp":"2026-11-27T03:42:52.055751Z","change":{' + _RES_A + ',"action":"create"},"type":"planned_change"}'
)
PLAN_SUMMARY = (
    '{"@level":"info","@message":"Plan: 1 to add, 0 to change, 0 to destroy.","@module":"terraform.ui",'
    '"@timestamp":"2026-11-27T03:42:52.055947Z","changes":{"add":1,"change":0,"import":0,"remove":0,'
    '"action_invocation":0,"operation":"plan"},"type":"change_summary"}'
)
PLAN_OUTPUTS = (
    '{"@level":"info","@message":"Outputs: 1","@module":"terraform.ui","@timestamp":"2026-11-27T03:42:52.056049Z",'
    '"outputs":{"o":{"sensitive":false,"action":"create"}},"type":"outputs"}'
)
APPLY_START = (
    '{"@level":"info","@message":"terraform_data.a: Creating...","@module":"terraform.ui",'
    '"@timestamp":"2026-11-27T03:42:52.057653Z","hook":{' + _RES_A + ',"action":"create"},"type":"apply_start"}'
)
APPLY_COMPLETE = (
    '{"@level":"info","@message":"terraform_data.a: Creation complete after 0s [id=0b465bfe-33cf-17aa-1dbb-cb694bdb4bec]",'
    '"@module":"terraform.ui","@timestamp":"2026-11-27T03:42:52.057986Z","hook":{' + _RES_A + ',"action":"create",'
    '"id_key":"id","id_value":"0b465bfe-33cf-17aa-1dbb-cb694bdb4bec","elapsed_seconds":0},"type":"apply_complete"}'
)
APPLY_SUMMARY = (
    '{"@level":"info","@message":"Apply complete! Resources: 1 added, 0 changed, 0 destroyed.","@module":"terraform.ui",'
    '"@timestamp":"2026-11-27T03:42:52.060708Z","changes":{"add":1,"change":0,"import":0,"remove":0,'
    '"action_invocation":0,"operation":"apply"},"type":"change_summary"}'
)
APPLY_OUTPUTS = (
    '{"@level":"info","@message":"Outputs: 1","@module":"terraform.ui","@timestamp":"2026-11-27T03:42:52.060757Z",'
    '"outputs":{"o":{"sensitive":false,"type":"string","value":"v"}},"type":"outputs"}'
)
DESTROY_SUMMARY = (
    '{"@level":"info","@message":"Destroy complete! Resources: 1 destroyed.","@module":"terraform.ui",'
    '"@timestamp":"2026-11-27T03:42:54.253229Z","changes":{"add":0,"change":0,"import":0,"remove":1,'
    '"action_invocation":0,"operation":"destroy"},"type":"change_summary"}'
)
APPLY_ERRORED = (
    '{"@level":"info","@message":"terraform_data.a: Creation errored after 0s","@module":"terraform.ui",'
    '"@timestamp":"2026-11-27T03:42:54.428002Z","hook":{' + _RES_A + ',"action":"create","elapsed_seconds":0},'
    '"type":"apply_errored"}'
)
ERROR_DIAGNOSTIC = (
    '{"@level":"error","@message":"Error: local-exec provisioner error","@module":"terraform.ui",'
    '"@timestamp":"2026-11-27T03:42:54.474710Z","diagnostic":{"severity":"error","summary":"local-exec provisioner error",'
    '"detail":"Error running command \'exit 3\': exit status 3. Output: ","address":"terraform_data.a",'
    '"range":{"filename":"main.tf","start":{"line":2,"column":30,"byte":61},"end":{"line":2,"column":31,"byte":62}},'
    '"snippet":{"context":"resource \\"terraform_data\\" \\"a\\"","code":"  provisioner \\"local-exec\\" { command = \\"exit 3\\" }",'
    '"start_line":2,"highlight_start_offset":29,"highlight_end_offset":30,"values":[]}},"type":"diagnostic"}'
)


def _with(line: str, **changes: object) -> str:
    """A real line with some top-level fields changed (a second resource, a warning)."""
    return json.dumps({**json.loads(line), **changes})


def fold_all(*lines: str, view: RunView | None = None) -> RunView:
    return reduce(fold, (parse(line) for line in lines), view or RunView())


# -- parse -------------------------------------------------------------------------


def test_parse_json_event_keeps_type_message_and_data() -> None:
    event = parse(PLANNED_CREATE + "\n")
    assert event.type == "planned_change"
    assert event.message == "terraform_data.a: Plan to create"
    assert event.data == json.loads(PLANNED_CREATE)


@pytest.mark.parametrize(
    "line",
    [
        "Terraform has been successfully initialized!",
        '{"@level":"info","type":"version","terraform":"1.15.5"}',  # JSON, no @message
        '{"@message": "cut short',  # garbage that looks like JSON
        "{not json at all}",
        '["@message", "a list"]',
    ],
)
def test_parse_anything_else_is_a_text_line(line: str) -> None:
    assert parse(line + "\n") == EngineEvent("text", line)


def test_parse_json_without_type_is_a_log_event() -> None:
    event = parse('{"@message": "hello"}')
    assert (event.type, event.message) == ("log", "hello")


# -- human_lines ---------------------------------------------------------------------


def test_human_lines_of_a_diagnostic_append_its_detail() -> None:
    detailed = _with(
        ERROR_DIAGNOSTIC,
        diagnostic={**json.loads(ERROR_DIAGNOSTIC)["diagnostic"], "detail": "first line\nsecond line"},
    )
    assert human_lines(parse(detailed)) == ["Error: local-exec provisioner error", "first line", "second line"]


def test_human_lines_of_a_diagnostic_without_detail_is_its_message() -> None:
    bare = _with(ERROR_DIAGNOSTIC, diagnostic={"severity": "error", "summary": "execution halted", "detail": ""})
    assert human_lines(parse(bare)) == ["Error: local-exec provisioner error"]


def test_human_lines_of_other_events_is_the_message() -> None:
    assert human_lines(parse(APPLY_COMPLETE)) == [json.loads(APPLY_COMPLETE)["@message"]]
    assert human_lines(parse("plain text")) == ["plain text"]


# -- fold --------------------------------------------------------------------------


def test_fold_planned_change_dedups_by_address() -> None:
    other = _with(
        PLANNED_CREATE,
        change={"resource": {"addr": "terraform_data.b"}, "action": "update"},
    )
    view = fold_all(PLANNED_CREATE, PLANNED_CREATE, other, PLANNED_CREATE)
    assert view.planned == (
        ResourceChange("terraform_data.a", "create"),
        ResourceChange("terraform_data.b", "update"),
    )
    assert view.total == 2


def test_fold_counts_completed_and_errored_resources() -> None:
    view = fold_all(PLANNED_CREATE, APPLY_START, APPLY_COMPLETE)
    assert (view.done, view.errored) == (1, 0)
    view = fold_all(APPLY_ERRORED, view=view)
    assert (view.done, view.errored) == (2, 1)


def test_fold_change_summary_maps_remove_to_destroy() -> None:
    assert fold_all(PLAN_SUMMARY).summary == Summary(add=1, change=0, destroy=0)
    assert fold_all(PLAN_SUMMARY, DESTROY_SUMMARY).summary == Summary(add=0, change=0, destroy=1)


def test_fold_keeps_an_applys_outputs_with_values() -> None:
    view = fold_all(APPLY_OUTPUTS)
    assert view.outputs == {"o": {"sensitive": False, "type": "string", "value": "v"}}


def test_fold_ignores_a_plans_outputs_which_carry_only_actions() -> None:
    assert fold_all(PLAN_OUTPUTS).outputs is None
    # in an apply the plan's outputs come first: only the apply's count
    assert fold_all(PLAN_OUTPUTS, APPLY_OUTPUTS, PLAN_OUTPUTS).outputs == {
        "o": {"sensitive": False, "type": "string", "value": "v"}
    }


def test_fold_collects_error_diagnostics_only() -> None:
    warning = _with(ERROR_DIAGNOSTIC, **{"@level": "warn", "@message": "Warning: something odd"})
    view = fold_all(warning, ERROR_DIAGNOSTIC, APPLY_ERRORED)
    assert view.errors == ("Error: local-exec provisioner error",)


def test_fold_whole_real_apply() -> None:
    lines = [
        VERSION,
        PLANNED_CREATE,
        PLAN_SUMMARY,
        PLAN_OUTPUTS,
        APPLY_START,
        APPLY_COMPLETE,
        APPLY_SUMMARY,
        APPLY_OUTPUTS,
    ]
    view = fold_all(*lines)
    assert (view.total, view.done, view.errored, view.errors) == (1, 1, 0, ())
    assert view.summary == Summary(add=1)
    assert view.outputs is not None and view.outputs["o"]["value"] == "v"


def test_fold_leaves_the_view_alone_for_other_events() -> None:
    start = fold_all(PLANNED_CREATE)
    assert fold_all(VERSION, APPLY_START, "some text", view=start) is start


def test_human_lines_split_messages_and_drop_lock_file_chatter() -> None:
    interrupt = json.dumps(
        {
            "@level": "info",
            "@message": "\nInterrupt received.\nPlease wait.\nGracefully shutting down...\n",
            "type": "log",
        }
    )
    assert human_lines(parse(interrupt)) == ["Interrupt received.", "Please wait.", "Gracefully shutting down..."]
    init = [
        "Terraform has created a lock file .terraform.lock.hcl to record the provider",
        "selections it made above. Include this file in your version control repository",
        "so that Terraform can guarantee to make the same selections by default when",
        'you run "terraform init" in the future.',
        "",
        "Warning: Incomplete lock file information for providers",
        "Due to your customized provider installation methods, Terraform was forced to",
        "calculate lock file checksums locally for the following providers:",
        "  - spawnit.local/spawnit/spawnit",
        "The current .terraform.lock.hcl file only includes checksums for linux_amd64,",
        "so Terraform running on another platform will fail to install these",
        "providers.",
        "To calculate additional checksums for another platform, run:",
        "  terraform providers lock -platform=linux_amd64",
        "(where linux_amd64 is the platform to generate)",
    ]
    assert [t for line in init for t in human_lines(parse(line))] == []
    kept = ["- Installing spawnit.local/spawnit/spawnit v0.1.0...", "Terraform has been successfully initialized!"]
    assert [t for line in kept for t in human_lines(parse(line))] == kept
