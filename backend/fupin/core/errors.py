"""RFC 9457 problem+json: one exception type for every client error, with stable codes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"

TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    428: "Precondition required",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
    507: "Insufficient storage",
}


class FieldError(BaseModel):
    pointer: str = Field(description="JSON pointer to the offending field, e.g. /members/0/id_number")
    code: str
    message: str


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    code: str = Field(description="Stable machine-readable code, e.g. household.duplicate_member")
    instance: str | None = None
    errors: list[FieldError] = Field(default_factory=list)


class ProblemError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        detail: str | None = None,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or code)
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors or []
        self.headers = headers
        self.extra = extra or {}


def field_error(pointer: str, code: str, message: str, status: int = 422) -> ProblemError:
    return ProblemError(status, code, message, [FieldError(pointer=pointer, code=code, message=message)])


@dataclass(frozen=True, slots=True)
class ConstraintProblem:
    """The problem a unique index answers with when a concurrent write beat the service's own check.
    `marks`: the index name (PostgreSQL names it) and SQLite's `table.column` wording."""

    marks: tuple[str, ...]
    status: int
    code: str
    detail: str
    pointer: str


CONSTRAINT_PROBLEMS: list[ConstraintProblem] = []


def constraint_problem(*marks: str, status: int = 409, code: str, detail: str, pointer: str) -> None:
    """Domain modules register the problems their unique indexes stand for."""
    CONSTRAINT_PROBLEMS.append(ConstraintProblem(marks, status, code, detail, pointer))


def not_found(what: str = "resource") -> ProblemError:
    return ProblemError(404, "not_found", f"{what} not found")


def problem_response(
    status: int,
    code: str,
    detail: str | None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    instance: str | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body = Problem(
        type=f"https://fupin.example/problems/{code}",
        title=TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        code=code,
        instance=instance,
        errors=errors or [],
    ).model_dump()
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _pointer(loc: tuple[Any, ...]) -> str:
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        source = parts.pop(0)
        if source != "body":
            return "/" + "/".join(str(p) for p in [source, *parts])
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


_CODE_MAP = {
    "missing": "required",
    "extra_forbidden": "unknown_field",
    "json_invalid": "malformed_json",
}


def field_errors(errs: Iterable[Any], *, prefix: tuple[Any, ...] = ()) -> list[FieldError]:
    """Pydantic's errors as field errors, the way request bodies report them (also for models validated by hand,
    e.g. rows of an import; `prefix` is the location of the validated value)."""
    errors: list[FieldError] = []
    for err in errs:
        etype = str(err.get("type", "invalid"))
        loc = (*prefix, *tuple(err.get("loc", ())))
        # pydantic puts custom error codes after "value_error"; ours carry them in ctx
        code = _CODE_MAP.get(etype, etype)
        ctx = err.get("ctx") or {}
        if isinstance(ctx.get("at"), str) and ctx["at"]:
            loc = (*loc, *ctx["at"].split("/"))  # a cross-field rule points at the field that must change
        if isinstance(ctx.get("error"), ValueError) and ":" in str(ctx["error"]):
            code, _, msg = str(ctx["error"]).partition(":")
            code = code.strip()
            message = msg.strip()
        else:
            message = str(err.get("msg", "invalid value"))
        errors.append(FieldError(pointer=_pointer(loc), code=code, message=message))
    return errors


def validation_problem(exc: RequestValidationError, request: Request) -> JSONResponse:
    errors = field_errors(exc.errors())
    malformed = any(err.get("type") == "json_invalid" for err in exc.errors())
    if malformed:
        return problem_response(
            400, "malformed_json", "The request body is not valid JSON.", errors, instance=request.url.path
        )
    return problem_response(
        422, "validation_failed", "The request contains invalid fields.", errors, instance=request.url.path
    )


_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 400: "malformed_body"}


def _routes(routes: Any) -> Any:
    for route in routes:
        inner = getattr(route, "original_router", None)  # an included router
        if inner is not None:
            yield from _routes(inner.routes)
        elif getattr(route, "methods", None) and getattr(route, "path_regex", None) is not None:
            yield route


def _concrete_path(request: Request) -> bool:
    """The request's path is a concrete path of the contract that a template also matches (PATCH
    /households/export reached PATCH /households/{household_id}): the method is not the concrete path's."""
    served = request.scope.get("route")
    if served is None or "{" not in getattr(served, "path", ""):
        return False
    path = request.url.path
    concrete = [
        route
        for route in _routes(request.app.router.routes)
        if route.path.count("{") < served.path.count("{") and route.path_regex.match(path)
    ]
    return bool(concrete) and not any(request.method in route.methods for route in concrete)


def _allowed_methods(request: Request) -> str:
    """Every method of the path as the contract documents it: Starlette's 405 names only the first route of the
    path that matched, so a path served by several route functions (GET list, POST create) would advertise only
    one of them. Of the path templates matching the path, the most concrete ones decide (as OpenAPI matches a URL:
    `/households/export` is that path, not `/households/{household_id}` with an id "export")."""
    path = request.url.path
    matching = [route for route in _routes(request.app.router.routes) if route.path_regex.match(path)]
    if not matching:
        return ""
    fewest = min(route.path.count("{") for route in matching)
    methods: set[str] = set()
    for route in matching:
        if route.path.count("{") == fewest:
            methods |= set(route.methods)
    return ", ".join(sorted(methods))


async def http_problem(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = _HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
    detail = exc.detail if isinstance(exc.detail, str) else None
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    return problem_response(exc.status_code, code, detail, headers=headers or None, instance=request.url.path)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(exc.status, exc.code, exc.detail, exc.errors, exc.headers, request.url.path, exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        if _concrete_path(request):
            return problem_response(
                405,
                "method_not_allowed",
                "Method Not Allowed",
                headers={"Allow": _allowed_methods(request)},
                instance=request.url.path,
            )
        return validation_problem(exc, request)

    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, exc: StaleDataError) -> JSONResponse:
        return problem_response(
            412,
            "precondition_failed",
            "The record was changed by someone else; reload it and try again.",
            instance=request.url.path,
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        # The checks in the services come first; this answers the rare race that only the database catches
        # (two requests registering the same person at once): the problem the service check would have given.
        message = str(exc.orig)
        for known in CONSTRAINT_PROBLEMS:
            if any(mark in message for mark in known.marks):
                return problem_response(
                    known.status,
                    known.code,
                    known.detail,
                    [FieldError(pointer=known.pointer, code=known.code, message=known.detail)],
                    instance=request.url.path,
                )
        return problem_response(
            409,
            "conflict",
            "The change conflicts with data saved at the same moment; reload and try again.",
            instance=request.url.path,
        )

    app.add_exception_handler(StarletteHTTPException, http_problem)  # type: ignore[arg-type]

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        import logging

        logging.getLogger("fupin").exception("unhandled error on %s", request.url.path)
        return problem_response(500, "internal_error", "An unexpected error occurred.", instance=request.url.path)
