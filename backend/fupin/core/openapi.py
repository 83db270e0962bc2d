"""Contract helpers: every route declares the problem+json statuses it can return."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from fupin.core.concurrency import REQUIRED_MARK
from fupin.core.errors import PROBLEM_MEDIA_TYPE, Problem

_DESCRIPTIONS = {
    400: "Malformed request (bad JSON, forged cursor, bad header)",
    401: "Missing or invalid credentials",
    403: "Authenticated but not permitted",
    404: "Not found, or outside the caller's area",
    409: "Conflict with the current state",
    412: "If-Match does not match the current version",
    413: "Request body too large",
    415: "Unsupported file type (judged by content)",
    422: "Invalid fields; see errors[].pointer",
    428: "If-Match required",
    429: "Too many requests",
    503: "The response could not be stored for Idempotency-Key replay; nothing was changed, retry",
    507: "The file storage is full; nothing was stored",
}
# what the idempotency middleware may answer to any POST that carries an Idempotency-Key
IDEMPOTENCY_PROBLEMS = (409, 503)


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    wanted = sorted({400, 401, 413, 422, 429, *statuses})
    return {
        s: {
            "model": Problem,
            "description": _DESCRIPTIONS.get(s, "Error"),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for s in wanted
    }


WRITE = (403, 404, 409)
UPDATE = (403, 404, 409, 412, 428)

IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Retry-safe POST: a replay returns the first response; another body with the same key is a 422.",
    "schema": {"type": "string", "maxLength": 200},
}
ETAG_HEADER = {"description": 'The version of the record, for If-Match (e.g. "3")', "schema": {"type": "string"}}
LOCATION_HEADER = {"description": "URL of the created record", "schema": {"type": "string"}}


# operations whose success responses carry the record's version as ETag
ETAG_OPERATIONS = frozenset(
    {
        "households-create",
        "households-get",
        "households-update",
        "households-change-head",
        "households-transition",
        "members-add",
        "members-update",
        "incomes-get",
        "incomes-put",
        "assessments-get",
        "assessments-put",
        "poverty-lines-put",
        "webhooks-create",
        "webhooks-get",
        "webhooks-update",
        "webhooks-rotate-secret",
        "adjustment-windows-create",
        "adjustment-windows-update",
        "measures-create",
        "measures-get",
        "measures-update",
        "measures-transition",
        "measures-upsert",
        "departments-update",
        "cadres-create",
        "cadres-get",
        "cadres-update",
    }
)


LOCATION_OPERATIONS = frozenset(
    {
        "webhooks-create",
        "households-create",
        "members-add",
        "incomes-put",
        "assessments-put",
        "poverty-lines-put",
        "adjustment-windows-create",
        "measures-create",
        "measures-upsert",
        "cadres-create",
        "evidence-upload",
    }
)


def _problem_response(status: int) -> dict[str, Any]:
    return {
        "description": _DESCRIPTIONS[status],
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def document_headers(schema: dict[str, Any]) -> None:
    """Declare the headers the middleware and routes add, so contract-driven clients know them."""
    for item in schema["paths"].values():
        for method, op in item.items():
            if method == "post":
                op.setdefault("parameters", []).append(IDEMPOTENCY_HEADER)
                for status in IDEMPOTENCY_PROBLEMS:
                    op["responses"].setdefault(str(status), _problem_response(status))
            for status, response in op["responses"].items():
                if not status.startswith("2") or status == "204":
                    continue
                headers = response.setdefault("headers", {})
                if op["operationId"] in ETAG_OPERATIONS:
                    headers["ETag"] = ETAG_HEADER
                if status == "201" and op["operationId"] in LOCATION_OPERATIONS:
                    headers["Location"] = LOCATION_HEADER
                if not headers:
                    del response["headers"]


def plain_parameters(schema: dict[str, Any]) -> None:
    """A query or header parameter is sent or not; it cannot be null. FastAPI declares an optional one as "the
    type or null", which contract-driven clients then send as the text "null": declare the type alone. A
    parameter marked `REQUIRED_MARK` (If-Match of an update) is declared required."""
    for item in schema["paths"].values():
        for op in item.values():
            for parameter in op.get("parameters", []):
                declared = parameter.get("schema", {})
                if declared.pop(REQUIRED_MARK, False):
                    parameter["required"] = True
                choices = declared.get("anyOf")
                if not choices or {"type": "null"} not in choices:
                    continue
                others = [c for c in choices if c != {"type": "null"}]
                if len(others) != 1:
                    continue
                plain = {k: v for k, v in declared.items() if k != "anyOf" and not (k == "default" and v is None)}
                parameter["schema"] = {**others[0], **plain}


# models of request bodies a route reads itself (streamed, or in several media types), added to the contract's
# components by `document_request_bodies`
_BODY_MODELS: dict[str, type[BaseModel]] = {}


def request_body(content: dict[str, type[BaseModel]], *, description: str) -> dict[str, Any]:
    """`openapi_extra` of a route that reads its body itself: the model of each media type, by reference."""
    for model in content.values():
        _BODY_MODELS[model.__name__] = model
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {
                media: {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
                for media, model in content.items()
            },
        }
    }


def document_model(model: type[BaseModel]) -> type[BaseModel]:
    """Put a model in the contract's components (e.g. the shape of items a route validates one by one)."""
    _BODY_MODELS[model.__name__] = model
    return model


def document_request_bodies(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, model in sorted(_BODY_MODELS.items()):
        body = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for nested, definition in body.pop("$defs", {}).items():
            components.setdefault(nested, definition)
        components.setdefault(name, body)
