"""The domain names its arguments in its own words; the client reads the API's names in
every message and in `extensions.field`, exactly as before the domain changed words."""

from __future__ import annotations

from graphql import GraphQLError

from app.errors import BadInput, Conflict, NotFound
from resolvers.arguments import under_input
from schema.errors import classify


def answered(exc: Exception) -> GraphQLError:
    return classify(GraphQLError(str(exc), original_error=exc))


def test_log_and_plan_arguments_are_named_as_the_api_names_them() -> None:
    error = answered(BadInput("from_line must be 0 or more", field="from_line"))
    assert (error.message, error.extensions) == (
        "fromLine must be 0 or more",
        {"code": "BAD_USER_INPUT", "field": "fromLine"},
    )
    error = answered(BadInput("max_lines must be 1 or more", field="max_lines"))
    assert (error.message, error.extensions["field"]) == ("maxLines must be 1 or more", "maxLines")
    error = answered(NotFound("plan_job_id: no job with id x", field="plan_job_id"))
    assert (error.message, error.extensions["field"]) == ("planJobId: no job with id x", "planJobId")
    error = answered(Conflict("plan_job_id: the plan job is FAILED, only a succeeded plan can be applied"))
    assert error.message == "planJobId: the plan job is FAILED, only a succeeded plan can be applied"
    assert error.extensions == {"code": "CONFLICT"}  # no field it did not have


def test_input_fields_are_named_by_their_path_in_the_request() -> None:
    exc = under_input(BadInput("drift_interval: seconds between checks", field="drift_interval"), form=[])
    assert (exc.message, exc.field) == ("input.driftCheckInterval: seconds between checks", "input.driftCheckInterval")
    exc = under_input(BadInput("catalog_entry: no catalog entry 'x'", field="catalog_entry"), form=[])
    assert (exc.message, exc.field) == ("input.catalogEntryId: no catalog entry 'x'", "input.catalogEntryId")
    error = answered(BadInput("limit must be 0 or more", field="limit"))
    assert (error.message, error.extensions["field"]) == ("limit must be 0 or more", "limit")
