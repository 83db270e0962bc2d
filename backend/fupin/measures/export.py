"""The measure export (`GET /api/v1/measures/export`): the list's filters, every row, oldest first, read in one
snapshot whose change-feed position the file carries, audited (`export.created`), streamed as CSV (UTF-8 with a
BOM, or GB18030), XLSX or NDJSON (one `MeasureOut` per line). The machinery is the household export's
(`exports.service`, `exports.writers`); measures hold no personal data beyond the head's and member's names; a health
measure's content and member are withheld from a caller that may not see health details (`measures.health`)."""

from __future__ import annotations

import contextlib
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pydantic_core import to_json
from sqlalchemy import String, case, cast, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import chain as audit
from fupin.audit.positions import encode_position
from fupin.authz.principal import Principal
from fupin.authz.scope import AreaScope
from fupin.core.code_tables import TABLES
from fupin.core.errors import ProblemError
from fupin.core.readpath import RequestSnapshots, Snapshot, query_family
from fupin.exports.service import BATCH_ROWS, CHINA, POSITION_QUERY, DirectExport, record_export, write_xlsx
from fupin.exports.writers import CsvWriter, XlsxWriter, media_type
from fupin.households.models import Household
from fupin.measures import health, listing
from fupin.measures.models import Measure
from fupin.measures.schemas import MeasureExportQuery

SHEET = "帮扶措施"


def _label(table: str, column: Any) -> Any:
    return case({code: literal(zh) for code, zh, _ in TABLES[table]}, value=column, else_=column)


# header, cell SQL, width, kept as text in Excel
CELLS: list[tuple[str, Any, float, bool]] = [
    ("措施编号", Measure.public_id, 38, True),
    ("户编号", Household.household_number, 22, True),
    ("村代码", Measure.village_code, 16, True),
    ("户主姓名", Household.head_name, 10, False),
    ("成员姓名", listing._MEMBER.name, 10, False),
    ("措施类型", _label("measure_type", Measure.type), 10, False),
    ("措施内容", Measure.content, 40, False),
    ("年度", Measure.year, 8, False),
    ("责任部门", _label("department", Measure.department), 12, False),
    ("金额(元)", Measure.amount, 12, False),  # a Decimal with two places, written as such
    ("计划完成日期", cast(Measure.planned_on, String()), 12, False),
    ("完成日期", cast(Measure.done_on, String()), 12, False),
    ("状态", _label("measure_status", Measure.status), 8, False),
    ("取消原因", Measure.status_reason, 20, False),
    ("来源系统", Measure.source_system, 12, True),
    ("外部编号", Measure.external_id, 16, True),
    ("版本", Measure.version, 6, False),
    ("责任干部编号", listing._CADRE.public_id, 38, True),
]
HEADERS = tuple(c[0] for c in CELLS)
TEXT_COLUMNS = frozenset(i for i, c in enumerate(CELLS) if c[3])


# the raw type after the cells: a health measure's content and member are withheld from some callers
KIND = len(CELLS)
WITHHELD_CELLS = (HEADERS.index("成员姓名"), HEADERS.index("措施内容"))


def _cells_statement(present: tuple[str, ...]) -> Any:
    cells = [sql.label(f"c{i}") for i, (_, sql, _, _) in enumerate(CELLS)] + [Measure.type.label("kind")]
    return listing.joined(select(*cells)).where(*listing.conditions(present)).order_by(Measure.id)


CELLS_QUERY = query_family("measures-export-cells", _cells_statement, listing.area)


def disposition(format: str) -> str:
    from datetime import datetime

    day = datetime.now(CHINA).strftime("%Y%m%d")
    return f"attachment; filename=\"measures-{day}.{format}\"; filename*=UTF-8''{quote(f'帮扶措施-{day}.{format}')}"


async def direct(
    session: AsyncSession, snapshots: RequestSnapshots, principal: Principal, *, query: MeasureExportQuery, limit: int
) -> DirectExport:
    scope = principal.scope.narrowed_to(query.region)
    bound = listing.bind(query)
    snap = await snapshots.open()
    seq = int(await snap.scalar(POSITION_QUERY, None, {"head": audit.CHANGES}) or 0)
    rows = int(await snap.scalar(listing.COUNT(bound.present), scope, bound.values) or 0)
    if rows > limit:
        raise ProblemError(
            413,
            "export.too_large",
            f"The export has {rows} rows, more than the {limit} a direct download streams; narrow the filters.",
            extra={"rows": rows, "limit": limit},
        )
    position = encode_position(seq)
    shown = await health.shown(session, principal)
    export_id = str(uuid.uuid4())
    filters = query.model_dump(mode="json", exclude={"format", "encoding"}, exclude_none=True)
    await record_export(
        session,
        actor=principal.as_actor(),
        export_id=export_id,
        region_code=principal.scope.region_code,
        changes={
            "entity": "measures",
            "format": query.format,
            "encoding": query.encoding,
            "filters": filters,
            "rows": rows,
            "changes_position": position,
            "via": "direct",
        },
    )
    return DirectExport(
        export_id,
        rows,
        position,
        media_type(query.format, query.encoding),
        disposition(query.format),
        _body(snap, scope, bound, query, health_shown=shown),
    )


async def _body(
    snap: Snapshot, scope: AreaScope, bound: listing.Bound, query: MeasureExportQuery, *, health_shown: bool
) -> AsyncIterator[bytes]:
    try:
        if query.format == "ndjson":
            records = snap.stream(listing.EXPORT(bound.present), scope, bound.values, batch=BATCH_ROWS)
            names = snap.columns(listing.EXPORT(bound.present), scope)
            async with contextlib.aclosing(records):  # type: ignore[type-var]
                async for batch in records:
                    lines = []
                    for row in batch:
                        record = dict(zip(names, row, strict=True))
                        del record["pk"]
                        health.withhold(record, shown=health_shown)
                        lines.append(to_json(record) + b"\n")
                    yield b"".join(lines)
            return
        raw = snap.stream(CELLS_QUERY(bound.present), scope, bound.values, batch=BATCH_ROWS)
        batches = health.withhold_cells(raw, shown=health_shown, kind=KIND, cleared=WITHHELD_CELLS)
        if query.format == "csv":
            writer = CsvWriter(query.encoding, headers=HEADERS)
            yield writer.begin()
            async with contextlib.aclosing(batches):  # type: ignore[type-var]
                async for batch in batches:
                    yield writer.write(batch)
            yield writer.end()
        else:
            with tempfile.TemporaryDirectory(prefix="fupin-export-") as folder:
                path = Path(folder) / "measures.xlsx"
                await write_xlsx(
                    batches,
                    path,
                    writer=lambda: XlsxWriter(
                        path, headers=HEADERS, sheet=SHEET, widths=[c[2] for c in CELLS], text_columns=TEXT_COLUMNS
                    ),
                )
                await snap.close()
                with path.open("rb") as file:
                    while chunk := file.read(1 << 16):
                        yield chunk
    finally:
        await snap.close()
