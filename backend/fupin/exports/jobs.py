"""`export.households`: an export written to `files_root/exports/<job id>.<ext>` by a job, then downloaded from
`GET /api/v1/jobs/{id}/file`.

Chunks and consistency:
- CSV and NDJSON are written in chunks of at least `export_job_chunk_rows` rows, always ending at a household
  boundary. Each chunk reads in a read snapshot of its own and appends to the file; its marker (the last household
  number written and the file's size) commits with the chunk. A chunk taken up again after a crash truncates the
  file to the committed size and continues after the committed household, so no row is written twice or lost.
- The job's `changes_position` is the position of its first chunk's snapshot. A job of one chunk (the default on
  PostgreSQL up to 5,000,000 rows: a whole city) is one point in time, like a direct export. A job of several
  chunks is consistent per chunk only (the report's `snapshots` says how many); the file plus
  `/changes?after=<changes_position>` is still the whole register, since every change after the first snapshot
  is in the feed after that position (a household written after its chunk was read is simply applied again).
- XLSX cannot be appended to: it is written in one chunk (one snapshot), built beside the final name and
  renamed when complete, and limited to one sheet (1,048,575 rows; more fails the job: use CSV).
- A cancelled or failed job keeps the part of its file it committed; it is never served (409 `job.no_file`).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit.positions import encode_position
from fupin.authz.principal import Principal
from fupin.config import Settings
from fupin.core.context import Actor
from fupin.departments.field import sees_health
from fupin.exports import service
from fupin.exports.schemas import ExportCreate, StrictExportFilters
from fupin.exports.writers import XLSX_MAX_ROWS, CsvWriter, ndjson_lines
from fupin.households.export import households_of, queries
from fupin.jobs import service as jobs
from fupin.jobs.models import Job
from fupin.jobs.registry import Chunk, ChunkContext, JobKind, register

KIND = "export.households"
DEFAULT_CHUNK_ROWS = {"postgresql": 5_000_000, "sqlite": 20_000}


class ExportFailed(RuntimeError):
    """The job cannot write its file (the message says why and what to do)."""


def file_path(job: Job) -> Path:
    return Path(job.params["directory"]) / f"{job.public_id}.{service.extension(job.params['format'])}"


async def submit(session: AsyncSession, principal: Principal, *, body: ExportCreate, settings: Settings) -> Job:
    """Queue the export of `body.filters` in the caller's area (a region filter outside it: 404, nothing queued)."""
    service.check_filters(principal, body.filters)
    principal.scope.narrowed_to(body.filters.filter_values().get("region"))
    backend = "sqlite" if settings.database_url.startswith("sqlite") else "postgresql"
    params = {
        "entity": body.entity,
        "format": body.format,
        "encoding": body.encoding,
        "filters": body.filters.filter_values(),
        "pii": principal.pii,  # masked as its owner may see, whoever downloads it
        "health": await sees_health(session, principal),
        "chunk_rows": settings.export_job_chunk_rows or DEFAULT_CHUNK_ROWS[backend],
        "directory": str(settings.files_root / "exports"),
    }
    return await jobs.submit(session, principal, kind=KIND, params=params, scope=principal.scope)


def _start() -> dict[str, Any]:
    return {"after": None, "bytes": 0, "rows": 0, "position": None, "snapshots": 0}


async def run_chunk(ctx: ChunkContext, marker: Any) -> Chunk:
    job, params = ctx.job, ctx.job.params
    assert ctx.read is not None, "export jobs read on the read path"
    state = dict(marker) if marker else _start()
    filters = StrictExportFilters.model_validate(params["filters"])
    export = service.plan(
        ctx.scope,
        format=params["format"],
        encoding=params.get("encoding"),
        filters=filters,
        pii=bool(params.get("pii")),
        after=state["after"] is not None,
        health=params.get("health"),
    )
    path = file_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    total = None
    written = 0
    more = False
    async with ctx.read.snapshot() as snap:
        if marker is None:
            seq, total = await service.position_and_count(snap, export)
            state["position"] = encode_position(seq)
            if export.format == "xlsx" and total > XLSX_MAX_ROWS:
                raise ExportFailed(f"XLSX holds at most {XLSX_MAX_ROWS} rows in a sheet, this export {total}: use CSV")
        state["snapshots"] += 1
        rows_query, _ = queries(export.shape)
        values = {**export.values, **({"after": state["after"]} if state["after"] is not None else {})}
        limit = int(params.get("chunk_rows") or DEFAULT_CHUNK_ROWS["sqlite"])
        batch = service.BATCH_ROWS if export.format == "xlsx" else min(service.BATCH_ROWS, limit)
        batches = snap.stream(rows_query, export.scope, values, batch=batch)
        if export.format == "xlsx":
            part = path.with_name(path.name + ".part")
            written = await service.write_xlsx(batches, part)
            os.replace(part, path)
            state["bytes"] = path.stat().st_size
        else:
            written, more, last = await _append(path, state, export, batches, limit=limit)
            if last is not None:
                state["after"] = last
    state["rows"] += written
    if more:
        return Chunk(state, written, total)
    await _finish(ctx, state, export)
    return Chunk(None, written, total)


async def _append(
    path: Path, state: dict[str, Any], export: service.ExportPlan, batches: Any, *, limit: int
) -> tuple[int, bool, str | None]:
    """Append whole households to the file until `limit` rows; (rows written, more to come, last household)."""
    first = state["bytes"] == 0 and state["after"] is None
    with path.open("wb" if first else "r+b") as file:
        if not first:
            size = file.seek(0, os.SEEK_END)
            if size < state["bytes"]:
                raise ExportFailed(f"the export file lost committed data ({size} < {state['bytes']} bytes)")
            file.truncate(state["bytes"])  # what a chunk wrote and did not commit
            file.seek(state["bytes"])
        writer = CsvWriter(export.encoding, continuing=not first) if export.format == "csv" else None
        if writer is not None and first:
            file.write(writer.begin())
        written, more, last = 0, False, None
        groups = service.whole_households(batches, export.unit_index)
        async with contextlib.aclosing(groups):  # type: ignore[type-var]
            async for rows in groups:
                if writer is not None:
                    file.write(writer.write(rows))
                    written += len(rows)
                else:
                    households = list(households_of(rows, pii=export.pii, health=export.shape.health))
                    file.write(ndjson_lines(households))
                    written += len(households)
                last = rows[-1][export.unit_index]
                if written >= limit:
                    more = True
                    break
        if writer is not None and not more:
            file.write(writer.end())
        file.flush()
        os.fsync(file.fileno())  # the size the marker commits is on disk
        state["bytes"] = file.tell()
    return written, more, last


async def _finish(ctx: ChunkContext, state: dict[str, Any], export: service.ExportPlan) -> None:
    job = ctx.job
    report = {
        "rows": state["rows"],
        "file": f"/api/v1/jobs/{job.public_id}/file",
        "changes_position": state["position"],
        "format": export.format,
        "encoding": export.encoding,
        "bytes": state["bytes"],
        "snapshots": state["snapshots"],
        "pii_masked": not export.pii,
    }
    job.report = report  # the whole report (the worker adds chunk counters only; this one has none)
    await service.record_export(
        ctx.session,
        actor=Actor(job.owner_type, job.owner_id, job.owner_name),
        export_id=str(job.public_id),
        region_code=job.region_code,
        changes={
            **service.audit_changes(export, rows=state["rows"], position=state["position"], via="job"),
            "job": str(job.public_id),
        },
    )


EXPORT_HOUSEHOLDS = register(
    JobKind(KIND, run_chunk, "Write an export of households (CSV, XLSX or NDJSON) for download")
)
