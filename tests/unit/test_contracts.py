"""The API's published contract (issue 13, "typed edges"): every operation in the OpenAPI document declares, for
every 2xx answer, what its body is — a JSON schema that names its fields, or a non-JSON media type (a file, CSV,
audio) with a schema — or no body at all (204). A route added without a response model (or typed ``dict[str,
Any]``, which FastAPI publishes as "any object") fails here, named by method and path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from callcenter.app import Stack, create_app
from tests.helpers import stack_settings

JSON = "application/json"


def _openapi(workdir: Path) -> dict[str, Any]:
    # building the document reads no table, so the database is never created (no migration, no stack start)
    stack = Stack(stack_settings(f"sqlite+aiosqlite:///{workdir / 'unused.db'}", workdir / "data"),
                  run_migrations=False)
    return create_app(stack.settings, stack=stack, manage_stack=False).openapi()


def _untyped(schema: dict[str, Any]) -> bool:
    """A JSON schema that says nothing about the fields: empty, "any object", or a list/union of those."""
    if "$ref" in schema:
        return False
    if "anyOf" in schema:
        return any(_untyped(s) for s in schema["anyOf"] if s.get("type") != "null")
    kind = schema.get("type")
    if kind == "array":
        return _untyped(schema.get("items") or {})
    if kind == "object":
        extra = schema.get("additionalProperties")
        return not schema.get("properties") and (extra in (None, True) or _untyped(extra))
    return kind is None  # no type at all (only a title): anything goes


def _undeclared(status: str, response: dict[str, Any]) -> str | None:
    """Why this 2xx answer has no declared body, or None when it has one."""
    if status == "204":
        return None if not response.get("content") else "a 204 with a body"
    content = response.get("content") or {}
    if not content:
        return "no content"
    for media, body in content.items():
        schema = body.get("schema")
        if not schema:
            return f"{media} without a schema"
        if media == JSON and _untyped(schema):
            return "JSON of any shape (no response model)"
    return None


def test_every_2xx_answer_declares_its_body(workdir: Path) -> None:
    doc = _openapi(workdir)
    offenders = []
    count = 0
    for path, item in sorted(doc["paths"].items()):
        for method, op in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            count += 1
            for status, response in op.get("responses", {}).items():
                if status.startswith("2") and (why := _undeclared(status, response)):
                    offenders.append(f"{method.upper()} {path} ({status}: {why})")
    assert count > 100  # the whole API is in the document
    assert not offenders, f"{len(offenders)} answers without a declared body:\n" + "\n".join(offenders)


def test_the_check_catches_an_untyped_answer() -> None:
    """The check itself: an answer FastAPI documents as "any JSON" is an offender; a model, a CSV and a 204 are
    not."""
    assert _undeclared("200", {"content": {JSON: {"schema": {}}}}) is not None
    anything = {"type": "object", "additionalProperties": True}
    assert _undeclared("200", {"content": {JSON: {"schema": anything}}}) is not None
    assert _undeclared("200", {"content": {JSON: {"schema": {"type": "array", "items": anything}}}}) is not None
    assert _undeclared("200", {"content": {JSON: {"schema": {"anyOf": [anything, {"type": "null"}]}}}}) is not None
    assert _undeclared("200", {"content": {"text/csv": {}}}) is not None
    assert _undeclared("200", {"description": "ok"}) is not None
    assert _undeclared("200", {"content": {JSON: {"schema": {"$ref": "#/components/schemas/X"}}}}) is None
    assert _undeclared("200", {"content": {"text/csv": {"schema": {"type": "string"}}}}) is None
    assert _undeclared("204", {"description": "done"}) is None
