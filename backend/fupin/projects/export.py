"""The project export (`GET /api/v1/projects/export`): the list's filters, every row, oldest first, read in one
snapshot whose change-feed position the file carries, audited (`export.created`), streamed as CSV (UTF-8 with a
BOM, or GB18030), XLSX or NDJSON (one `ProjectRow` per line). The machinery is the household export's
(`exports.service`, `exports.writers`); projects hold no personal data beyond the responsible person's name."""

from __future__ import annotations

import contextlib
import tempfile
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pydantic_core import to_json
from sqlalchemy import String, case, cast, func, literal
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
from fupin.projects import listing
from fupin.projects.models import FundAllocation, FundDisbursement, Project
from fupin.projects.schemas import ProjectExportQuery

SHEET = "扶贫项目"


def _label(table: str, column: Any) -> Any:
    return case({code: literal(zh) for code, zh, _ in TABLES[table]}, value=column, else_=column)


def _cells(allocated: Any, disbursed: Any, regions: Any) -> list[tuple[str, Any, float, bool]]:
    # header, cell SQL, width, kept as text in Excel
    return [
        ("项目编号", Project.code, 18, True),
        ("项目名称", Project.name, 36, False),
        ("项目类别", _label("project_category", Project.category), 14, False),
        ("项目级别", _label("project_level", Project.level), 10, False),
        ("建设性质", _label("construction_nature", Project.nature), 10, False),
        ("年度", Project.year, 8, False),
        ("县代码", Project.county_code, 16, True),
        ("所属区划代码", Project.area_code, 16, True),
        ("建设地点", regions.c.region_codes, 30, True),
        ("责任单位", Project.responsible_unit, 20, False),
        ("责任人", Project.responsible_person, 10, False),
        ("计划开工日期", cast(Project.planned_start_on, String()), 12, False),
        ("计划完成日期", cast(Project.due_on, String()), 12, False),
        ("阶段", _label("project_stage", Project.stage), 10, False),
        ("入库日期", cast(Project.entered_library_on, String()), 12, False),
        ("完成日期", cast(Project.completed_on, String()), 12, False),
        ("出库日期", cast(Project.removed_on, String()), 12, False),
        ("健康状况", _label("project_health", Project.health), 8, False),
        ("进度", Project.progress, 8, False),
        ("下达资金(元)", func.coalesce(allocated.c.allocated, 0), 14, False),
        ("已报账(元)", func.coalesce(disbursed.c.disbursed, 0), 14, False),
        ("来源系统", Project.source_system, 12, True),
        ("外部编号", Project.external_id, 16, True),
        ("版本", Project.version, 6, False),
        ("项目ID", Project.public_id, 38, True),
    ]


def _cells_statement(present: tuple[str, ...]) -> Any:
    def cells(allocated: Any, disbursed: Any, regions: Any) -> list[Any]:
        return [sql.label(f"c{i}") for i, (_, sql, _, _) in enumerate(_cells(allocated, disbursed, regions))]

    return listing.joined(cells).where(*listing.conditions(present)).order_by(Project.id)


CELLS_QUERY = query_family("projects-export-cells", _cells_statement, listing.area)


def _layout() -> tuple[tuple[str, ...], list[float], frozenset[int]]:
    """Headers, widths and text columns of the cells (the same list the statement selects)."""
    cells = _cells(
        listing.fund_sums(FundAllocation, "allocated"),
        listing.fund_sums(FundDisbursement, "disbursed"),
        listing.region_lists(),
    )
    return tuple(c[0] for c in cells), [c[2] for c in cells], frozenset(i for i, c in enumerate(cells) if c[3])


HEADERS, WIDTHS, TEXT_COLUMNS = _layout()


def disposition(format: str) -> str:
    day = datetime.now(CHINA).strftime("%Y%m%d")
    return f"attachment; filename=\"projects-{day}.{format}\"; filename*=UTF-8''{quote(f'扶贫项目-{day}.{format}')}"


async def direct(
    session: AsyncSession, snapshots: RequestSnapshots, principal: Principal, *, query: ProjectExportQuery, limit: int
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
    export_id = str(uuid.uuid4())
    filters = query.model_dump(mode="json", exclude={"format", "encoding"}, exclude_none=True)
    await record_export(
        session,
        actor=principal.as_actor(),
        export_id=export_id,
        region_code=principal.scope.region_code,
        changes={
            "entity": "projects",
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
        _body(snap, scope, bound, query),
    )


async def _regions_joined(
    batches: AsyncIterator[Sequence[Sequence[Any]]], column: int
) -> AsyncIterator[list[list[Any]]]:
    """The regions cell as the sorted codes separated by 、 (the aggregate's order is the database's)."""
    async for batch in batches:
        out = []
        for row in batch:
            cells = list(row)
            cells[column] = "、".join(sorted(cells[column].split(","))) if cells[column] else ""
            out.append(cells)
        yield out


async def _body(
    snap: Snapshot, scope: AreaScope, bound: listing.Bound, query: ProjectExportQuery
) -> AsyncIterator[bytes]:
    try:
        if query.format == "ndjson":
            records = snap.stream(listing.EXPORT(bound.present), scope, bound.values, batch=BATCH_ROWS)
            names = snap.columns(listing.EXPORT(bound.present), scope)
            async with contextlib.aclosing(records):  # type: ignore[type-var]
                async for batch in records:
                    yield b"".join(
                        to_json(listing.present_row(dict(zip(names, row, strict=True)))) + b"\n" for row in batch
                    )
            return
        raw = snap.stream(CELLS_QUERY(bound.present), scope, bound.values, batch=BATCH_ROWS)
        batches = _regions_joined(raw, HEADERS.index("建设地点"))
        if query.format == "csv":
            writer = CsvWriter(query.encoding, headers=HEADERS)
            yield writer.begin()
            async with contextlib.aclosing(batches):  # type: ignore[type-var]
                async for batch in batches:
                    yield writer.write(batch)
            yield writer.end()
        else:
            with tempfile.TemporaryDirectory(prefix="fupin-export-") as folder:
                path = Path(folder) / "projects.xlsx"
                await write_xlsx(
                    batches,
                    path,
                    writer=lambda: XlsxWriter(
                        path, headers=HEADERS, sheet=SHEET, widths=WIDTHS, text_columns=TEXT_COLUMNS
                    ),
                )
                await snap.close()
                with path.open("rb") as file:
                    while chunk := file.read(1 << 16):
                        yield chunk
    finally:
        await snap.close()
