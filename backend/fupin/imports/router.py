"""Imports: upload a file (or post records) to start an import job, the empty template, a job's error workbook."""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse
from pydantic import ValidationError
from sqlalchemy import Uuid, bindparam, select
from starlette.background import BackgroundTask
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from fupin.authz.deps import ImportWriter, JobReader
from fupin.authz.policy import require_owner_writer
from fupin.authz.principal import Principal
from fupin.core.db import DbSession
from fupin.core.errors import FieldError, ProblemError, field_errors, not_found
from fupin.core.openapi import problems
from fupin.core.readpath import ReadDb, ReadQuery
from fupin.imports import findings as finding_imports
from fupin.imports import measures as measure_imports
from fupin.imports import service, workbooks
from fupin.jobs.models import Job
from fupin.jobs.router import ACCEPTED
from fupin.jobs.schemas import JobOut
from fupin.jobs.service import job_out

router = APIRouter(prefix="/api/v1", tags=["imports"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COPY_CHUNK = 1024 * 1024
OPTION_NAMES = tuple(service.ImportOptions.model_fields)
_OPTION_SCHEMA = service.ImportOptions.model_json_schema()["properties"]
IMPORT_DOCS: dict[str, Any] = {
    "parameters": [
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": "An import option (with a JSON or NDJSON body; a multipart upload sends them as fields)",
            "schema": _OPTION_SCHEMA[name],
        }
        for name in OPTION_NAMES
    ],
    "requestBody": {
        "required": True,
        "description": "A file (XLSX in the 建档立卡 layout, CSV in UTF-8 or GB18030, JSON array, NDJSON) as the "
        "multipart field `file` with the options as fields; or the records as the body itself.",
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        **{name: _OPTION_SCHEMA[name] for name in OPTION_NAMES},
                    },
                }
            },
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    },
}
_XLSX_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}, "description": "XLSX"}
}


def _too_large(limit: int) -> ProblemError:
    return ProblemError(
        413,
        "import.too_large",
        f"文件超过 {limit} 字节的上限 (the file exceeds the limit)",
        [FieldError(pointer="/file", code="import.too_large", message=f"最大 {limit} 字节")],
    )


async def _limited(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise _too_large(limit)
        yield chunk


async def _receive(request: Request, target: Path, limit: int) -> tuple[dict[str, str], str]:
    """Stream the body to `target` (never whole in memory): the multipart field `file`, or the body itself.
    Returns the form's other fields and the file's name."""
    content_type = request.headers.get("content-type", "")
    fields: dict[str, str] = {}
    filename = "upload"
    if content_type.startswith("multipart/form-data"):
        try:
            form = await MultiPartParser(request.headers, _limited(request, limit), max_files=1, max_fields=20).parse()
        except MultiPartException as exc:
            raise ProblemError(400, "malformed_body", f"multipart 请求格式错误: {exc.message}")
        try:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise ProblemError(
                    422,
                    "validation_failed",
                    "缺少上传文件 (the multipart field file is missing)",
                    [FieldError(pointer="/file", code="required", message="请选择要导入的文件")],
                )
            filename = upload.filename or filename
            with target.open("wb") as out:
                while chunk := await upload.read(COPY_CHUNK):
                    out.write(chunk)
            fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
        finally:
            await form.close()
    else:
        with target.open("wb") as out:
            async for chunk in _limited(request, limit):
                out.write(chunk)
        if "ndjson" in content_type:
            fields.setdefault("format", "auto")
    return fields, filename


def _options(request: Request, fields: dict[str, str]) -> service.ImportOptions:
    values: dict[str, Any] = dict(request.query_params)
    values.update(fields)
    try:
        return service.ImportOptions.model_validate(values)
    except ValidationError as exc:
        raise ProblemError(
            422, "validation_failed", "导入选项有误 (invalid import options)", field_errors(exc.errors())
        )


def _require_importer(principal: Principal, entity: service.Entity) -> None:
    for permission in (entity.needs, *entity.also_needs):
        require_owner_writer(principal, permission)


@router.post(
    "/imports",
    response_model=JobOut,
    status_code=202,
    operation_id="imports-create",
    responses={**problems(403, 409, 415), **ACCEPTED},
    openapi_extra=IMPORT_DOCS,
)
async def create_import(request: Request, session: DbSession, principal: ImportWriter, response: Response) -> JobOut:
    """Import households (with members; JSON records also incomes and assessments) from a file, or with
    `entity=measures` a department's measures (CSV or XLSX in the layout of its template, each row upserted by
    外部系统 + 外部编号 as a batch item is; needs measures:write), or with `entity=findings` supervision findings
    (督查问题: CSV or XLSX in the layout of its template, one row per rectification task, the rows of a finding
    sharing its 问题序号; each finding created as `POST /findings` and its tasks as `POST /findings/{id}/tasks`
    would; needs findings:write and jobs:read, tasks findings:rectify), as a job:
    202 with `Location: /api/v1/jobs/{id}`; its report counts created / updated / unchanged / failed and lists
    each row's errors. The file is checked first: its type by content (415 `import.unsupported_type`), hostile
    files (zip bombs, XML entities: 413/422), its encoding (422 `import.unknown_encoding`), its header (422
    `import.missing_headers`, `import.no_sheet`); over `import_max_bytes` it is a 413. Options: query parameters
    with a JSON/NDJSON body, form fields with a multipart upload."""
    settings = request.app.state.settings
    upload = service.new_upload(settings.files_root)
    try:
        fields, filename = await _receive(request, upload.path, settings.import_max_bytes)
        options = _options(request, fields)
        _require_importer(principal, service.ENTITIES[options.entity])
        job = await service.submit(
            session, principal, folder=upload.folder, upload=upload.path, options=options, filename=filename
        )
    except BaseException:
        service.discard(upload.folder)
        raise
    response.headers["Location"] = f"/api/v1/jobs/{job.public_id}"
    return job_out(job)


_TEMPLATE: bytes | None = None


@router.get(
    "/imports/template.xlsx",
    operation_id="imports-template",
    response_class=Response,
    responses={**problems(403), **_XLSX_RESPONSE},
)
async def import_template(
    session: DbSession,
    principal: ImportWriter,
    entity: Annotated[
        Literal["households", "measures", "findings"], Query(description="The template of which import")
    ] = "households",
) -> Response:
    """The empty 建档立卡 template: the header row (required columns marked), text format for ID and account
    columns, and a 说明 sheet with the rules (blank = no change, `#清空` erases, masked values are ignored). With
    `entity=measures` the department template of measures (户编号/系统编号, 外部系统, 外部编号, 措施类型, 措施内容,
    年度, 责任部门, 金额, 计划日期, 完成日期, 状态, 成员编号, 责任干部编号), its 说明 listing the caller's own field.
    With `entity=findings` the inspection ledger (督查问题: 问题序号, 外部系统, 外部编号, 问题来源, 督查批次, 问题类别,
    问题描述, 严重程度, 责任区域(代码), 牵头单位, 责任单位, 责任人, 发现日期, 整改时限, 整改类别, and per row one task:
    措施内容, 措施责任人, 完成时限, 完成日期)."""
    _require_importer(principal, service.ENTITIES[entity])
    if entity == "findings":
        buffer = io.BytesIO()
        finding_imports.template(buffer)
        return Response(
            buffer.getvalue(),
            media_type=XLSX,
            headers={"Content-Disposition": 'attachment; filename="fupin-findings-template.xlsx"'},
        )
    if entity == "measures":
        buffer = io.BytesIO()
        await measure_imports.template(buffer, session, principal)
        return Response(
            buffer.getvalue(),
            media_type=XLSX,
            headers={"Content-Disposition": 'attachment; filename="fupin-measures-template.xlsx"'},
        )
    global _TEMPLATE
    if _TEMPLATE is None:
        buffer = io.BytesIO()
        workbooks.template(buffer)
        _TEMPLATE = buffer.getvalue()
    return Response(
        _TEMPLATE,
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="fupin-import-template.xlsx"'},
    )


IMPORT_JOB = ReadQuery(
    "import-job-by-id",
    lambda: select(Job.kind, Job.params).where(Job.public_id == bindparam("id", type_=Uuid())),
    lambda: Job.region_code,
)


@router.get(
    "/jobs/{job_id}/report.xlsx",
    operation_id="jobs-report-xlsx",
    tags=["jobs"],
    response_class=Response,
    responses={**problems(403, 404), **_XLSX_RESPONSE},
)
async def import_report(job_id: uuid.UUID, read: ReadDb, principal: JobReader) -> FileResponse:
    """The rows of an import that failed, as they were read, with 行号 and an 错误 column (every error of the row);
    all of them, also past the report's first 10,000 errors."""
    rows = await read.fetch(IMPORT_JOB, principal.scope, {"id": job_id})
    if not rows or rows[0]["kind"] not in {e.kind for e in service.ENTITIES.values()}:
        raise not_found("import job")
    folder = Path(rows[0]["params"]["folder"])
    if not (folder / "header.json").exists():
        raise not_found("import report")
    path = workbooks.error_report(folder)
    return FileResponse(
        path,
        media_type=XLSX,
        filename=f"import-errors-{job_id}.xlsx",
        background=BackgroundTask(path.unlink, missing_ok=True),
    )
