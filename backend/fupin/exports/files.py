"""The file of an export job: found through the caller's scope (another area's job is a 404, like the job),
handed out once the job has succeeded, with a trace of who downloaded it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Uuid, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import chain as audit
from fupin.authz.policy import require_personal_data
from fupin.authz.principal import Principal
from fupin.core.errors import ProblemError, not_found
from fupin.core.readpath import ReadPath, ReadQuery
from fupin.exports import service
from fupin.exports.jobs import KIND
from fupin.exports.writers import media_type
from fupin.jobs.models import Job

FILE_QUERY = ReadQuery(
    "export-job-file",
    lambda: select(Job.public_id, Job.kind, Job.state, Job.params, Job.report, Job.region_code, Job.finished_at).where(
        Job.public_id == bindparam("id", type_=Uuid())
    ),
    lambda: Job.region_code,
)


@dataclass(frozen=True, slots=True)
class JobFile:
    path: Path
    media_type: str
    disposition: str
    position: str


async def job_file(read: ReadPath, session: AsyncSession, principal: Principal, *, job_id: uuid.UUID) -> JobFile:
    rows = await read.fetch(FILE_QUERY, principal.scope, {"id": job_id})
    if not rows or rows[0]["kind"] != KIND:
        raise not_found("export job")
    job = rows[0]
    if job["state"] in ("queued", "running"):
        raise ProblemError(409, "job.not_finished", f"The export is {job['state']}; download it once it has succeeded.")
    if job["state"] != "succeeded":
        raise ProblemError(409, "job.no_file", f"The export job {job['state']}: it has no file to download.")
    report, params = job["report"] or {}, job["params"]
    if not report.get("pii_masked", True):
        require_personal_data(principal, "下载未脱敏的导出文件")
    path = Path(params["directory"]) / f"{job_id}.{service.extension(params['format'])}"
    if not path.is_file():
        raise ProblemError(404, "not_found", "The export file is no longer kept; run the export again.")
    await audit.record(
        session,
        actor=principal.as_actor(),
        action="export.downloaded",
        entity_type="export",
        entity_id=str(job_id),
        region_code=job["region_code"],
        changes={"job": str(job_id), "rows": report.get("rows"), "format": params["format"]},
        feed=False,
    )
    return JobFile(
        path,
        media_type(params["format"], params.get("encoding")),
        service.content_disposition(params["format"], when=job["finished_at"]),
        report.get("changes_position") or "",
    )
