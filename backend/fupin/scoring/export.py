"""The ranking as a file (`GET /api/v1/assessments/{period}/rankings/export`): a level's units in the caller's area,
best first, with each dimension's points and the last three flagged, as CSV (UTF-8 with a BOM, or GB18030) or XLSX
with Chinese headers; read on the shared read path like the ranking page, audited (`export.created`). A ranking is
at most a city's villages, so the file is built whole."""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import chain as audit
from fupin.audit.positions import encode_position
from fupin.authz.principal import Principal
from fupin.core.readpath import ReadPath
from fupin.exports.service import CHINA, POSITION_QUERY, DirectExport, record_export
from fupin.exports.writers import CsvWriter, XlsxWriter, media_type
from fupin.scoring import listing

LEVELS = {"township": "乡镇", "village": "村"}
WHOLE = 1_000_000  # every unit of a level: a city has some thousands of villages


def _dimensions(period_indicators: Sequence[dict[str, Any]], items: Sequence[dict[str, Any]]) -> list[str]:
    """The dimensions in the order of the period's indicator set (then any other a score names)."""
    names: list[str] = []
    for indicator in period_indicators:
        if indicator.get("dimension") and indicator["dimension"] not in names:
            names.append(indicator["dimension"])
    for item in items:
        names.extend(name for name in item["dimensions"] if name not in names)
    return names


def headers(dimensions: Sequence[str]) -> list[str]:
    return ["排名", "参评单位数", "区划代码", "单位名称", "上级区划代码", "上级单位", "总分", *dimensions, "末三位"]


def cells(item: dict[str, Any], dimensions: Sequence[str]) -> list[Any]:
    points = [item["dimensions"].get(name) for name in dimensions]
    return [
        item["rank"],
        item["ranked"],
        item["region_code"],
        item["region_name"],
        item["parent_code"],
        item["parent_name"],
        str(item["score"]),
        *[None if p is None else str(p) for p in points],
        "是" if item["bottom_three"] else "",
    ]


def disposition(code: str, level: str, format: str) -> str:
    day = datetime.now(CHINA).strftime("%Y%m%d")
    ascii_name = f"assessment-{code}-{level}-{day}.{format}"
    chinese = quote(f"考核排名-{code}-{LEVELS[level]}-{day}.{format}")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{chinese}"


async def direct(
    session: AsyncSession,
    read: ReadPath,
    principal: Principal,
    *,
    code: str,
    level: str,
    format: str,
    encoding: str | None,
) -> DirectExport:
    page = await listing.page(read, principal.scope, code=code, level=level, limit=WHOLE, offset=0)
    items = page["items"]
    dimensions = _dimensions(page["indicators"], items)
    rows = [cells(item, dimensions) for item in items]
    position = encode_position(int(await read.scalar(POSITION_QUERY, None, {"head": audit.CHANGES}) or 0))
    export_id = str(uuid.uuid4())
    await record_export(
        session,
        actor=principal.as_actor(),
        export_id=export_id,
        region_code=principal.scope.region_code,
        changes={
            "entity": "assessment_ranking",
            "format": format,
            "encoding": encoding,
            "filters": {"period": code, "level": level},
            "rows": len(rows),
            "changes_position": position,
            "via": "direct",
        },
    )
    return DirectExport(
        export_id,
        len(rows),
        position,
        media_type(format, encoding),
        disposition(code, level, format),
        _body(rows, headers(dimensions), format=format, encoding=encoding, sheet=f"考核排名{code}"),
    )


async def _body(
    rows: list[list[Any]], header: list[str], *, format: str, encoding: str | None, sheet: str
) -> AsyncIterator[bytes]:
    if format == "csv":
        writer = CsvWriter(encoding, headers=header)
        yield writer.begin()
        yield writer.write(rows)
        yield writer.end()
        return
    with tempfile.TemporaryDirectory(prefix="fupin-export-") as folder:
        path = Path(folder) / "ranking.xlsx"

        def build() -> None:  # openpyxl blocks: in a thread, the loop keeps serving
            # region codes stay text (no 2.2E+11 in Excel)
            widths = [6, 10, 16, 16, 16, 16, 8, *[10] * (len(header) - 8), 8]
            book = XlsxWriter(path, headers=header, sheet=sheet, widths=widths, text_columns=frozenset({2, 4}))
            book.write(rows)
            book.close()

        await asyncio.to_thread(build)
        yield path.read_bytes()
