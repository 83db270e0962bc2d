"""File writers of exports: rows in, bytes out, memory bounded by one batch.

- CSV: the `csv` module into an in-memory buffer emptied after every batch, encoded incrementally: UTF-8 with a
  BOM (so Excel opens it as UTF-8) or GB18030. GB18030 maps every Unicode code point, so no character of the
  register can fail to encode; `errors="replace"` only guards against lone surrogates, which neither database
  can hold. Lines end with CRLF, as Excel writes them.
- XLSX: openpyxl in write-only mode (rows go to a temporary file as they come, constant memory), one sheet in the
  建档立卡 layout: bold frozen header row, column widths, ID number / account / phone / code columns as text cells
  (number format "@", so Excel never shows 2.20382E+17), text beginning with "=" kept as text (never a formula).
  The workbook is a zip written at the end: it is built in a temporary file and then streamed.
- NDJSON: one household per line in the detail shape (`HouseholdOut`), members nested.
"""

from __future__ import annotations

import codecs
import csv
import io
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from fupin.households.columns import COLUMNS, HEADERS, SHEET_NAME
from fupin.households.schemas import HouseholdOut

MEDIA_TYPES: Final = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ndjson": "application/x-ndjson",
}
CODECS: Final = {"utf-8": "utf-8-sig", "gb18030": "gb18030"}
XLSX_MAX_ROWS: Final = 1_048_575  # a sheet's rows, less the header


def media_type(format: str, encoding: str | None = None) -> str:
    if format == "csv":
        return f"text/csv; charset={encoding or 'utf-8'}"
    if format == "ndjson":
        return "application/x-ndjson; charset=utf-8"
    return MEDIA_TYPES[format]


class CsvWriter:
    """`begin()` (BOM and header row), then `write(rows)` per batch; `continuing` for a job's later chunk (no
    BOM, no header: the file already has them)."""

    def __init__(
        self, encoding: str | None = None, *, continuing: bool = False, headers: Sequence[str] = HEADERS
    ) -> None:
        self._headers = headers
        codec = CODECS[encoding or "utf-8"]
        if continuing and codec == "utf-8-sig":
            codec = "utf-8"
        self._encoder = codecs.getincrementalencoder(codec)(errors="replace")
        self._buffer = io.StringIO()
        self._csv = csv.writer(self._buffer, lineterminator="\r\n")

    def _take(self) -> bytes:
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate(0)
        return self._encoder.encode(text)

    def begin(self) -> bytes:
        self._csv.writerow(self._headers)
        return self._take()

    def write(self, rows: Iterable[Sequence[Any]]) -> bytes:
        self._csv.writerows(rows)
        return self._take()

    def end(self) -> bytes:
        return self._take() + self._encoder.encode("", final=True)


def ndjson_lines(households: Iterable[HouseholdOut]) -> bytes:
    return b"".join(h.model_dump_json().encode() + b"\n" for h in households)


# columns Excel must keep as text: document numbers, codes and ids that look like numbers
_TEXT_KINDS: Final = frozenset({"document"})
_TEXT_KEYS: Final = frozenset({"id", "household_number", "village_code", "member_id", "external_id"})
TEXT_COLUMNS: Final = tuple(i for i, c in enumerate(COLUMNS) if c.kind in _TEXT_KINDS or c.key in _TEXT_KEYS)
_TEXT_SET: Final = frozenset(TEXT_COLUMNS)


def _width(index: int) -> float:
    column = COLUMNS[index]
    if column.key in ("id", "member_id"):
        return 38
    if column.kind == "document" or column.key in ("household_number", "village_code"):
        return 22
    if column.key in ("address", "relocation_site", "secondary_causes"):
        return 24
    return max(8.0, min(24.0, len(column.header) * 2.2 + 2))


class XlsxWriter:
    """A write-only workbook at `path`: `write(rows)` per batch (blocking: call it in a thread), `close()` saves.
    The household layout unless another sheet's headers, name, widths and text columns are given."""

    def __init__(
        self,
        path: Path,
        *,
        headers: Sequence[str] = HEADERS,
        sheet: str = SHEET_NAME,
        widths: Sequence[float] | None = None,
        text_columns: frozenset[int] = _TEXT_SET,
    ) -> None:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        self.path = path
        self._cell = WriteOnlyCell
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet(sheet)
        self._text_columns = text_columns
        for index in range(len(headers)):
            width = widths[index] if widths is not None else _width(index)
            self._sheet.column_dimensions[get_column_letter(index + 1)].width = width
        self._sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        header = []
        for text in headers:
            cell = WriteOnlyCell(self._sheet, value=text)
            cell.font = bold
            header.append(cell)
        self._sheet.append(header)
        self.rows = 0

    def _text(self, value: Any) -> Any:
        cell = self._cell(self._sheet, value=value)
        cell.number_format = "@"
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"
        return cell

    def _values(self, row: Sequence[Any]) -> list[Any]:
        values: list[Any] = []
        for index, value in enumerate(row):
            if isinstance(value, Decimal | uuid.UUID):
                value = str(value)  # as `columns.to_cell` writes them
            if value is not None and (
                index in self._text_columns or (isinstance(value, str) and value.startswith("="))
            ):
                value = self._text(value)
            values.append(value)
        return values

    def write(self, rows: Iterable[Sequence[Any]]) -> None:
        from openpyxl.utils.exceptions import IllegalCharacterError

        for row in rows:
            try:
                self._sheet.append(self._values(row))
            except IllegalCharacterError:  # control characters XML cannot hold: dropped from the cell
                self._sheet.append(self._values([_clean(v) for v in row]))
            self.rows += 1

    def close(self) -> None:
        self._book.save(self.path)


def _clean(value: Any) -> Any:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value
