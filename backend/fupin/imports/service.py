"""Imports as jobs (kind `import.households`; other entities register theirs, `import.measures` in
imports/measures.py, `import.findings` in imports/findings.py): the request checks the file (type by content,
hostile files, encoding, header) and queues the job; the job reads the file in chunks of households, each chunk
committed with its marker (the data rows consumed and the counters), every household in its own savepoint.

- per record (default): a household that fails is rolled back alone and reported; the others are written;
- atomic: one chunk for the whole file in one transaction; any failure rolls everything back (the report still
  lists every row's errors; its counters say nothing was written); a cancel before that chunk writes nothing;
- dry_run: the same work, rolled back at the end of each chunk; the report says what would happen.
The rows of the file that failed, as read, are kept beside the upload (one file per chunk, rewritten if a chunk
runs again) for the error workbook (`report.xlsx`)."""

from __future__ import annotations

import json
import shutil
import uuid
from collections import Counter, OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.deps import OwnerGone, job_owner
from fupin.authz.principal import Principal
from fupin.authz.roles import Permission
from fupin.core.errors import field_error
from fupin.core.schemas import StrictModel
from fupin.households.columns import SHEET_NAME
from fupin.imports.process import Creates, Options, prefetch, process
from fupin.imports.readers import (
    Encoding,
    Format,
    Mapper,
    Reader,
    count_rows,
    detect_encoding,
    map_headers,
    sniff,
    unsupported,
)
from fupin.imports.rows import Candidate, RowError, TableGroups, json_candidate
from fupin.jobs import service as jobs
from fupin.jobs.models import Job
from fupin.jobs.registry import Chunk, ChunkContext, JobKind, register

KIND = "import.households"
CHUNK_HOUSEHOLDS = 1000
MAX_ERRORS = 10_000
PREFETCH = 1000  # households whose stored records are read in one go
COUNTERS = ("created", "updated", "unchanged", "failed", "queued")


class ImportOptions(StrictModel):
    entity: Literal["households", "measures", "findings"] = Field(
        "households",
        description="households (建档立卡 layout), measures (the department template) or findings (督查问题: the "
        "inspection ledger template, one row per rectification task)",
    )
    strategy: Literal["create", "update", "create_and_update"] = "create_and_update"
    atomic: bool = False
    dry_run: bool = False
    id_scheme: Literal["id", "external"] = "id"
    encoding: Encoding = "auto"
    format: Literal["auto", "csv", "xlsx", "json", "ndjson"] = "auto"
    chunk_households: int = Field(CHUNK_HOUSEHOLDS, ge=1, le=5000, description="Households per committed chunk")


class ImportFailed(Exception):
    """The job cannot go on (its owner lost the right, its file is gone); the message is the job's error."""


# ---------------------------------------------------------------- submission


def _format_of(path: Path, stated: str) -> Format:
    found = sniff(path)
    if stated == "auto":
        return found
    if (stated == "xlsx") != (found == "xlsx"):
        raise unsupported(f"文件内容是 {found.upper()}, 与声明的格式 {stated.upper()} 不符")
    return stated  # type: ignore[return-value]


async def submit(
    session: AsyncSession, principal: Principal, *, folder: Path, upload: Path, options: ImportOptions, filename: str
) -> Job:
    """Check the uploaded file now (a bad file is a 4xx at once, never a failed job later) and queue its job."""
    entity = ENTITIES[options.entity]
    fmt = _format_of(upload, options.format)
    if fmt not in entity.formats:
        raise field_error(
            "/format",
            "import.format_for_entity",
            f"{options.entity} 只能从 {'、'.join(f.upper() for f in entity.formats)} 文件导入",
            status=415,
        )
    encoding = "utf-8" if fmt == "xlsx" else detect_encoding(upload, options.encoding)
    warnings: list[str] = []
    headers: list[Any] = []
    if fmt in ("csv", "xlsx"):
        reader = Reader(upload, fmt, encoding, mapper=entity.mapper, sheet=entity.sheet)
        try:
            table = reader.open_table()
        finally:
            reader.close()
        warnings = table.warnings
        headers = ["" if h is None else str(h) for h in table.headers]
        if table.sheet:
            warnings.insert(0, f"读取工作表“{table.sheet}”, 表头在第 {table.header_row} 行")
    (folder / "header.json").write_text(json.dumps({"headers": headers, "format": fmt}, ensure_ascii=False))
    params = {
        "folder": str(folder),
        "file": str(upload),
        "filename": filename[:200],
        "format": fmt,
        "encoding": encoding,
        "warnings": warnings,
        **options.model_dump(exclude={"format", "encoding"}),
    }
    return await jobs.submit(session, principal, kind=entity.kind, params=params, scope=principal.scope)


def discard(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


# ---------------------------------------------------------------- reading in chunks


class Stream:
    """Households out of the file, one after another; `position` = data rows (or records) consumed."""

    def __init__(self, params: dict[str, Any], skip: int) -> None:
        self.reader = Reader(Path(params["file"]), params["format"], params["encoding"])
        self.tabular = params["format"] in ("csv", "xlsx")
        self.groups: TableGroups | None = None
        if self.tabular:
            table = self.reader.open_table()
            self.groups = TableGroups(table, self.reader.rows(), id_scheme=params["id_scheme"])
        else:
            self.records = self.reader.rows()
        self._json_position = 0
        while self.position < skip:
            if self.next() is None:
                break

    @property
    def position(self) -> int:
        return self.groups.consumed if self.groups is not None else self._json_position

    def next(self) -> Candidate | None:
        if self.groups is not None:
            return self.groups.next()
        row = next(self.records, None)
        if row is None:
            return None
        self._json_position += 1
        return json_candidate(row)

    def close(self) -> None:
        self.reader.close()


# a worker keeps the open reader of its job between chunks (so a chunk does not read the file from the start);
# any other position (another worker took the job up, a chunk rolled back) opens the file again and skips ahead
_STREAMS: OrderedDict[int, RowStream] = OrderedDict()
_KEEP_STREAMS = 4


class RowStream(Protocol):
    """Candidates out of an import's file, one after another; `position` = data rows (or records) consumed."""

    @property
    def position(self) -> int: ...

    def next(self) -> Any: ...

    def close(self) -> None: ...


def _stream(job: Job, skip: int, opener: Callable[[dict[str, Any], int], RowStream]) -> RowStream:
    stream = _STREAMS.pop(job.id, None)
    if stream is not None and stream.position != skip:
        stream.close()
        stream = None
    if stream is None:
        stream = opener(job.params, skip)
    _STREAMS[job.id] = stream
    while len(_STREAMS) > _KEEP_STREAMS:
        _, old = _STREAMS.popitem(last=False)
        old.close()
    return stream


def _forget(job: Job) -> None:
    stream = _STREAMS.pop(job.id, None)
    if stream is not None:
        stream.close()


def initial_report(params: dict[str, Any]) -> dict[str, Any]:
    return {
        **dict.fromkeys(COUNTERS, 0),
        "rows": 0,
        "warnings": list(params.get("warnings") or []),
        "errors": [],
        "errors_truncated": False,
        "dry_run": bool(params["dry_run"]),
        "atomic": bool(params["atomic"]),
        "rolled_back": False,
        "strategy": params["strategy"],
        "id_scheme": params["id_scheme"],
        "format": params["format"],
        "encoding": params["encoding"],
        "filename": params.get("filename"),
    }


def errors_file(folder: Path, chunk: int) -> Path:
    return folder / f"errors-{chunk:06d}.jsonl"


Finished = list[tuple[Any, str, list[RowError]]]  # candidate, outcome, its row errors
Work = Callable[[AsyncSession, Principal, list[Any], dict[str, Any]], Awaitable[Finished]]


@dataclass(frozen=True, slots=True)
class Entity:
    """What an import of one entity brings to the machinery here (checks, chunks, report, error workbook): its job
    kind, the permission its rows need, its table layout, the stream of its candidates out of the file, and its
    candidate-to-service step (`work`: a batch of candidates through the entity's own services). `also_needs`:
    permissions the submitter must hold besides `needs` (jobs:read, to follow a job its writers may otherwise
    lack)."""

    kind: str
    needs: Permission
    mapper: Mapper
    sheet: str
    formats: tuple[str, ...]
    opener: Callable[[dict[str, Any], int], RowStream]
    work: Work
    also_needs: tuple[Permission, ...] = ()


async def _household_work(
    session: AsyncSession, principal: Principal, batch: list[Any], params: dict[str, Any]
) -> Finished:
    options = Options(params["strategy"], params["id_scheme"])
    lookups = await prefetch(session, principal, [c for c in batch if not c.errors], options)
    creates = Creates(session, principal, lookups)
    finished: Finished = []
    for candidate in batch:
        finished += await process(session, principal, candidate, options, lookups, creates)
    finished += await creates.flush()
    return finished


ENTITIES: dict[str, Entity] = {}


def register_entity(name: str, entity: Entity) -> JobKind:
    ENTITIES[name] = entity

    async def run(ctx: ChunkContext, marker: Any) -> Chunk:
        return await run_chunk(ctx, marker, entity=entity)

    return register(JobKind(entity.kind, run, f"Import {name} from a file"))


async def run_chunk(ctx: ChunkContext, marker: Any, *, entity: Entity) -> Chunk:
    job, session = ctx.job, ctx.session
    params = job.params
    if not Path(params["file"]).exists():
        raise ImportFailed("导入文件已不存在 (the uploaded file is gone)")
    try:
        principal = await job_owner(
            session,
            owner_type=job.owner_type,
            owner_id=job.owner_id,
            region_code=job.region_code,
            needs=entity.needs,
        )
    except OwnerGone as exc:
        _forget(job)
        raise ImportFailed(str(exc))
    if marker is None:  # first chunk: count the rows (progress total), nothing written yet
        total = count_rows(
            Path(params["file"]), params["format"], params["encoding"], mapper=entity.mapper, sheet=entity.sheet
        )
        job.report = initial_report(params)
        return Chunk({"rows": 0, "chunk": 0}, 0, total)
    stream = _stream(job, int(marker["rows"]), entity.opener)
    start = stream.position
    limit = None if params["atomic"] else int(params.get("chunk_households") or CHUNK_HOUSEHOLDS)
    counters: Counter[str] = Counter()
    failures: list[tuple[Any, list[dict[str, Any]]]] = []
    exhausted = False
    savepoint = await session.begin_nested()
    try:
        while not exhausted:
            # a batch of candidates, their stored records read together, then each through the services
            batch: list[Any] = []
            while len(batch) < PREFETCH and (limit is None or counters.total() + len(batch) < limit):
                candidate = stream.next()
                if candidate is None:
                    exhausted = True
                    break
                batch.append(candidate)
            if not batch:
                break
            for candidate, outcome, row_errors in await entity.work(session, principal, batch, params):
                counters[outcome] += 1
                if row_errors:
                    failures.append((candidate, [e.as_dict() for e in row_errors]))
            if limit is not None and counters.total() >= limit:
                break
    except BaseException:
        await savepoint.rollback()
        _forget(job)
        raise
    rolled_back = bool(params["dry_run"]) or (bool(params["atomic"]) and counters["failed"] > 0)
    if rolled_back:
        await savepoint.rollback()
    else:
        await savepoint.commit()
    chunk_number = int(marker.get("chunk", 0)) + 1
    _write_failures(Path(params["folder"]), chunk_number, failures)
    report = dict(job.report or initial_report(params))
    if params["atomic"] and counters["failed"]:
        report["rolled_back"] = True
        counters["created"] = counters["updated"] = 0
    for name in COUNTERS:
        report[name] = report.get(name, 0) + counters[name]
    report["rows"] = report.get("rows", 0) + stream.position - start
    errors_list = list(report.get("errors") or [])
    for _, errors in failures:
        room = MAX_ERRORS - len(errors_list)
        if room < len(errors):
            report["errors_truncated"] = True
        errors_list.extend(errors[: max(room, 0)])
    report["errors"] = errors_list
    job.report = report
    done = stream.position - start
    if exhausted:
        _forget(job)
        return Chunk(None, done)
    return Chunk({"rows": stream.position, "chunk": chunk_number}, done)


def _write_failures(folder: Path, chunk: int, failures: list[tuple[Any, list[dict[str, Any]]]]) -> None:
    path = errors_file(folder, chunk)
    if not failures:
        path.unlink(missing_ok=True)
        return
    with path.open("w", encoding="utf-8") as f:
        for candidate, errors in failures:
            by_row: dict[int, list[dict[str, Any]]] = {}
            for error in errors:
                by_row.setdefault(error["row"], []).append(error)
            for row, row_errors in sorted(by_row.items()):
                raw = candidate.raw.get(row)
                f.write(json.dumps({"row": row, "cells": raw, "errors": row_errors}, ensure_ascii=False, default=str))
                f.write("\n")


IMPORT_HOUSEHOLDS = register_entity(
    "households",
    Entity(
        KIND,
        Permission.HOUSEHOLDS_WRITE,
        map_headers,
        SHEET_NAME,
        ("csv", "xlsx", "json", "ndjson"),
        Stream,
        _household_work,
    ),
)


@dataclass(frozen=True, slots=True)
class Upload:
    folder: Path
    path: Path


def new_upload(root: Path) -> Upload:
    folder = root / "imports" / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=False)
    return Upload(folder, folder / "upload")
