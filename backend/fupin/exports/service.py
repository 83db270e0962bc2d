"""Exports of the household register: planned from the list's filters, read in one snapshot, audited, streamed.

A direct export (`GET /api/v1/households/export`) opens one read snapshot (`core.readpath.Snapshot`) and reads
in it, in this order: the change feed's position (the highest committed seq: its chain head), the number of rows,
and then the rows while they stream. Everything the file holds is therefore the register at that position, and
every change after it has a higher seq: the file plus `/changes?after=<position>` is the register.
Over `export_direct_limit` rows the request is a 413 (`export.too_large`) before anything is written. Otherwise
the export is recorded (`export.created`: who, format, filters, rows, position) in the request's short write
transaction, which commits before the body starts; the body streams afterwards from the still-open snapshot.

An export is not a change of the register: its audit event has no change-feed entry (`feed=False`), so it
neither moves the position of the export itself nor shows up for feed consumers as a data change.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import String, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import chain as audit
from fupin.audit.models import ChainHead
from fupin.audit.positions import encode_position
from fupin.authz.policy import require_personal_data
from fupin.authz.principal import Principal
from fupin.authz.scope import AreaScope
from fupin.core.context import Actor
from fupin.core.errors import ProblemError
from fupin.core.readpath import ReadQuery, RequestSnapshots, Snapshot
from fupin.departments.field import sees_health
from fupin.exports.schemas import HouseholdExportQuery, _ExportFilterBase
from fupin.exports.writers import CsvWriter, XlsxWriter, media_type, ndjson_lines
from fupin.households.export import RECORD_HOUSEHOLD_NUMBER_INDEX, ExportShape, households_of, queries
from fupin.households.listing import HouseholdFilters, bind_filters

BATCH_ROWS = 5000  # rows per batch (PostgreSQL: per chunk of the streamed statement)
ENTITY = "households"
CHINA = timezone(timedelta(hours=8))  # the offices' calendar day names the file

# the change feed's highest committed seq: its chain head, bumped in the writer's transaction (`audit.chain`)
POSITION_QUERY = ReadQuery(
    "changes-position",
    lambda: select(ChainHead.last_seq).where(ChainHead.name == bindparam("head", type_=String())),
    None,  # the whole feed's position, whatever the caller's area: /changes narrows to the area itself
)


@dataclass(frozen=True, slots=True)
class ExportPlan:
    """What an export reads and writes: the scope (the caller's, narrowed to the region filter), the statement
    shape and its values, the format."""

    scope: AreaScope
    shape: ExportShape
    values: dict[str, Any]
    format: str
    encoding: str | None
    pii: bool
    filters: dict[str, Any]

    @property
    def unit_index(self) -> int:
        """The household number's column in the rows (households are never split across chunks)."""
        return RECORD_HOUSEHOLD_NUMBER_INDEX if self.shape.kind == "records" else 1


def plan(
    scope: AreaScope,
    *,
    format: str,
    encoding: str | None,
    filters: _ExportFilterBase,
    pii: bool,
    after: bool = False,
    health: bool | None = None,
) -> ExportPlan:
    """The export of `filters` in `scope`; a region filter outside the scope is a 404, as for the list."""
    narrowed = scope.narrowed_to(getattr(filters, "region", None))
    given = filters.filter_values()
    household_filters = HouseholdFilters(**{k: v for k, v in given.items() if k != "region"})
    statuses, present, values = bind_filters(household_filters)
    shape = ExportShape(statuses, present, pii, "records" if format == "ndjson" else "cells", after, health)
    return ExportPlan(narrowed, shape, values, format, encoding, pii, given)


def check_filters(principal: Principal, filters: _ExportFilterBase) -> None:
    if getattr(filters, "member_health", None):
        require_personal_data(principal, "按健康状况筛选")


async def position_and_count(snap: Snapshot, export: ExportPlan) -> tuple[int, int]:
    """In the snapshot: the feed's position and the rows the export writes (members, or households in NDJSON)."""
    seq = int(await snap.scalar(POSITION_QUERY, None, {"head": audit.CHANGES}) or 0)
    _, count_query = queries(export.shape)
    rows = int(await snap.scalar(count_query, export.scope, export.values) or 0)
    return seq, rows


async def whole_households(
    batches: AsyncIterator[Sequence[Sequence[Any]]], index: int
) -> AsyncIterator[Sequence[Sequence[Any]]]:
    """Batches cut at household boundaries (rows come ordered by household number, `index`): a household's rows
    are never split between two batches."""
    pending: list[Sequence[Any]] = []
    async with contextlib.aclosing(batches):  # type: ignore[type-var]
        async for batch in batches:
            rows: Sequence[Sequence[Any]] = [*pending, *batch] if pending else batch
            last = rows[-1][index]
            cut = len(rows)
            while cut > 0 and rows[cut - 1][index] == last:
                cut -= 1
            pending = list(rows[cut:])
            if cut:
                yield rows[:cut]
    if pending:
        yield pending


def extension(format: str) -> str:
    return format


def filenames(format: str, *, when: datetime | None = None) -> tuple[str, str]:
    """(ASCII name, Chinese name) of the file, dated by the offices' calendar."""
    day = (when or datetime.now(CHINA)).astimezone(CHINA).strftime("%Y%m%d")
    return f"households-{day}.{extension(format)}", f"贫困户成员-{day}.{extension(format)}"


def content_disposition(format: str, *, when: datetime | None = None) -> str:
    """`attachment` with an ASCII `filename` and the Chinese name as RFC 5987 `filename*`."""
    ascii_name, chinese = filenames(format, when=when)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(chinese)}"


def audit_changes(export: ExportPlan, *, rows: int, position: str, via: str) -> dict[str, Any]:
    return {
        "entity": ENTITY,
        "format": export.format,
        "encoding": export.encoding,
        "filters": export.filters,
        "rows": rows,
        "changes_position": position,
        "pii_masked": not export.pii,
        "via": via,
    }


async def record_export(
    session: AsyncSession,
    *,
    actor: Actor,
    export_id: str,
    region_code: str | None,
    changes: dict[str, Any],
) -> None:
    """`export.created`: an audit event only. An export changes nothing in the register, so it has no
    change-feed entry (and is on no household's trail)."""
    await audit.record(
        session,
        actor=actor,
        action="export.created",
        entity_type="export",
        entity_id=export_id,
        region_code=region_code,
        changes=changes,
        feed=False,
    )


# ---------------------------------------------------------------- direct exports


@dataclass(frozen=True, slots=True)
class DirectExport:
    id: str
    rows: int
    position: str
    media_type: str
    disposition: str
    body: AsyncIterator[bytes]


async def direct(
    session: AsyncSession,
    snapshots: RequestSnapshots,
    principal: Principal,
    *,
    query: HouseholdExportQuery,
    limit: int,
) -> DirectExport:
    """Plan, snapshot, count, audit; the body streams the rows from the snapshot afterwards."""
    check_filters(principal, query)
    export = plan(
        principal.scope,
        format=query.format,
        encoding=query.encoding,
        filters=query,
        pii=principal.pii,
        health=await sees_health(session, principal),
    )
    snap = await snapshots.open()
    seq, rows = await position_and_count(snap, export)
    if rows > limit:
        raise ProblemError(
            413,
            "export.too_large",
            f"The export has {rows} rows, more than the {limit} a direct download streams; "
            "use POST /api/v1/exports: a job writes the file, then GET /api/v1/jobs/{id}/file downloads it.",
            extra={"rows": rows, "limit": limit},
        )
    position = encode_position(seq)
    export_id = str(uuid.uuid4())
    await record_export(
        session,
        actor=principal.as_actor(),
        export_id=export_id,
        region_code=principal.scope.region_code,
        changes=audit_changes(export, rows=rows, position=position, via="direct"),
    )
    return DirectExport(
        export_id,
        rows,
        position,
        media_type(export.format, export.encoding),
        content_disposition(export.format),
        stream_body(snap, export),
    )


async def stream_body(snap: Snapshot, export: ExportPlan) -> AsyncIterator[bytes]:
    """The file's bytes, batch by batch, from the snapshot (closed at the end, or when the client goes away)."""
    rows_query, _ = queries(export.shape)
    batches = snap.stream(rows_query, export.scope, export.values, batch=BATCH_ROWS)
    try:
        if export.format == "csv":
            writer = CsvWriter(export.encoding)
            yield writer.begin()
            async with contextlib.aclosing(batches):  # type: ignore[type-var]
                async for batch in batches:
                    yield writer.write(batch)
            yield writer.end()
        elif export.format == "ndjson":
            async for group in whole_households(batches, export.unit_index):
                yield ndjson_lines(households_of(group, pii=export.pii, health=export.shape.health))
        else:
            with tempfile.TemporaryDirectory(prefix="fupin-export-") as folder:
                path = Path(folder) / "export.xlsx"
                await write_xlsx(batches, path)
                await snap.close()  # every row is read: the snapshot is not needed while the file is sent
                with path.open("rb") as file:
                    while chunk := file.read(1 << 16):
                        yield chunk
    finally:
        await snap.close()


async def write_xlsx(
    batches: AsyncIterator[Sequence[Sequence[Any]]], path: Path, *, writer: Callable[[], XlsxWriter] | None = None
) -> int:
    """The rows into a write-only workbook at `path` (openpyxl works in a thread: the loop keeps serving); the
    household layout unless `writer` makes another sheet."""
    writer_ = await asyncio.to_thread(writer or (lambda: XlsxWriter(path)))
    async with contextlib.aclosing(batches):  # type: ignore[type-var]
        async for batch in batches:
            await asyncio.to_thread(writer_.write, batch)
    await asyncio.to_thread(writer_.close)
    return writer_.rows
