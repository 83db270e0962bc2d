"""Reading an uploaded import file: its type by content, its encoding, its header, and its rows or records, one at
a time (bounded memory). Hostile files are refused before anything parses them: zip bombs (declared sizes, ratios,
and the real bytes against the declared ones), XML with a DOCTYPE or entities, files that are not what they claim.

Rows come out as `SourceRow(number, cells)`: `number` is what the user sees (the sheet's row number, or the CSV
record number with the header as row 1; for JSON the record number, for NDJSON the line); `cells` is the list of
raw cell values (tables) or the decoded object (JSON)."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from fupin.core.errors import FieldError, ProblemError
from fupin.households.columns import SHEET_NAME, HeaderMap, map_headers

Format = Literal["csv", "xlsx", "json", "ndjson"]
Encoding = Literal["auto", "utf-8", "gb18030"]

MAX_UNCOMPRESSED = 500 * 1024 * 1024  # all members of an XLSX together, as declared
MAX_RATIO = 100  # declared uncompressed : compressed, per member (of members over 1 MB)
RATIO_FLOOR = 1024 * 1024
MAX_RECORD_CHARS = 1024 * 1024  # one JSON record
HEADER_SCAN_ROWS = 10
MIN_KNOWN_HEADERS = 3
SPREADSHEET_MAIN = (
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
)
_BINARY_MAGIC = {
    b"\x89PNG": "PNG 图片",
    b"\xff\xd8\xff": "JPEG 图片",
    b"GIF8": "GIF 图片",
    b"%PDF": "PDF 文档",
    b"\xd0\xcf\x11\xe0": "旧版 Excel (.xls) 或 Word 文件, 请另存为 .xlsx",
    b"\x1f\x8b": "gzip 压缩文件",
    b"Rar!": "RAR 压缩文件",
    b"7z\xbc\xaf": "7z 压缩文件",
}


def unsupported(detail: str) -> ProblemError:
    return ProblemError(
        415,
        "import.unsupported_type",
        f"文件类型不受支持: {detail} (accepted: XLSX, CSV in UTF-8 or GB18030, JSON, NDJSON)",
        [FieldError(pointer="/file", code="import.unsupported_type", message=detail)],
    )


def refused(code: str, detail: str, status: int = 422) -> ProblemError:
    return ProblemError(status, code, detail, [FieldError(pointer="/file", code=code, message=detail)])


# ---------------------------------------------------------------- type by content


def sniff(path: Path) -> Format:
    """The file's format by its content (never by its name or the declared content type)."""
    with path.open("rb") as f:
        head = f.read(8192)
    if not head.strip():
        raise refused("import.empty", "文件为空 (the file is empty)")
    if head.startswith(b"PK\x03\x04"):
        check_xlsx(path)
        return "xlsx"
    for magic, what in _BINARY_MAGIC.items():
        if head.startswith(magic):
            raise unsupported(what)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise refused("import.unknown_encoding", "文件为 UTF-16 编码; 请另存为 UTF-8 或 GB18030 的 CSV")
    if b"\x00" in head:
        raise unsupported("二进制文件 (binary content)")
    text = head.removeprefix(codecs.BOM_UTF8).lstrip()
    if text.startswith(b"["):
        return "json"
    if text.startswith(b"{"):
        return "ndjson"
    return "csv"


def check_xlsx(path: Path) -> None:
    """An Excel workbook, not a zip of other things, and no bomb: declared sizes and ratios are capped, the real
    bytes of every part are counted against the declared ones, and no XML part may carry a DOCTYPE (entities)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise unsupported("损坏的压缩文件 (not a readable zip)")
    with archive:
        infos = archive.infolist()
        names = {i.filename for i in infos}
        if "[Content_Types].xml" not in names:
            raise unsupported("压缩包不是 Excel 工作簿 (a zip without [Content_Types].xml)")
        declared = 0
        for info in infos:
            declared += info.file_size
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise bomb(f"{info.filename} 压缩比超过 {MAX_RATIO}:1")
        if declared > MAX_UNCOMPRESSED:
            raise bomb(f"解压后共 {declared} 字节, 超过 {MAX_UNCOMPRESSED} 字节")
        with archive.open("[Content_Types].xml") as f:
            types = f.read(1024 * 1024)
        if not any(t in types for t in SPREADSHEET_MAIN):
            raise unsupported("压缩包不是 Excel 工作簿 (no spreadsheet main part)")
        for info in infos:
            if info.is_dir():
                continue
            _check_part(archive, info)


def bomb(detail: str) -> ProblemError:
    return refused("import.zip_bomb", f"文件解压后过大, 已拒绝 (zip bomb): {detail}", 413)


def _check_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    real = 0
    prolog = b""
    try:
        with archive.open(info) as f:
            while chunk := f.read(1024 * 1024):
                real += len(chunk)
                if real > info.file_size:
                    raise bomb(f"{info.filename} 实际大小超过声明大小")
                if len(prolog) < 4096:
                    prolog += chunk[: 4096 - len(prolog)]
    except zipfile.BadZipFile:
        raise unsupported(f"{info.filename} 已损坏 (declared and real contents disagree)")
    except (NotImplementedError, RuntimeError):  # an encrypted or exotic member
        raise unsupported(f"{info.filename} 无法读取 (encrypted or unsupported compression)")
    if info.filename.endswith((".xml", ".rels", ".vml")):
        upper = prolog.upper()
        if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
            raise refused(
                "import.xml_entities", f"{info.filename} 含有 DOCTYPE/实体声明, 已拒绝 (XML entity expansion)"
            )


# ---------------------------------------------------------------- encodings


def detect_encoding(path: Path, stated: Encoding) -> str:
    """The text encoding of a CSV/NDJSON file, checked line by line over the whole file (streamed): a BOM means
    UTF-8; else strict UTF-8, else strict GB18030, else 422. A stated encoding must hold for every line."""
    with path.open("rb") as f:
        bom = f.read(3) == codecs.BOM_UTF8
    if stated != "auto":
        line = _first_bad_line(path, stated)
        if line is not None:
            name = "UTF-8" if stated == "utf-8" else "GB18030"
            raise refused("import.bad_encoding", f"第 {line} 行不是 {name} 编码 (line {line} is not {name})")
        return "utf-8-sig" if stated == "utf-8" else "gb18030"
    if bom or _first_bad_line(path, "utf-8") is None:
        return "utf-8-sig"
    if _first_bad_line(path, "gb18030") is None:
        return "gb18030"
    raise refused("import.unknown_encoding", "文件编码既不是 UTF-8 也不是 GB18030 (neither UTF-8 nor GB18030)")


def _first_bad_line(path: Path, encoding: str) -> int | None:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    with path.open("rb") as f:
        for number, line in enumerate(f, 1):
            try:
                decoder.decode(line)
            except UnicodeDecodeError:
                return number
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return 1
    return None


# ---------------------------------------------------------------- rows


@dataclass(slots=True)
class SourceRow:
    number: int
    cells: Any  # list of raw cells (tables) or the decoded JSON value


@dataclass(slots=True)
class Table:
    """What a tabular file says before its data rows: the header row, its map, and the warnings so far."""

    header_row: int
    headers: list[Any]
    header_map: HeaderMap
    warnings: list[str] = field(default_factory=list)
    sheet: str | None = None


Mapper = Callable[[Sequence[Any]], HeaderMap]  # a layout's headers → its columns (households.columns.map_headers)


def _known(row: list[Any], mapper: Mapper) -> int:
    return len(mapper(row).columns)


def _merged_header(above: list[Any] | None, row: list[Any]) -> list[Any]:
    """A header row whose blank cells take the value above them (the anchor of a vertically merged cell: in
    read-only mode the other cells of a merge read as None)."""
    if above is None:
        return list(row)
    width = max(len(above), len(row))
    merged = []
    for i in range(width):
        value = row[i] if i < len(row) else None
        if value is None or str(value).strip() == "":
            value = above[i] if i < len(above) else None
        merged.append(value)
    return merged


def find_header(rows: Iterator[tuple[int, list[Any]]], mapper: Mapper = map_headers) -> tuple[int, list[Any]] | None:
    """The header among the first rows: the row (merged with the one above it) naming the most known columns, at
    least three; a two-row header with merged group cells above yields its second row."""
    best: tuple[int, list[Any], int] | None = None
    above: list[Any] | None = None
    for number, row in rows:
        if number > HEADER_SCAN_ROWS:
            break
        candidate = _merged_header(above, row)
        known = _known(candidate, mapper)
        if known >= MIN_KNOWN_HEADERS and (best is None or known > best[2]):
            best = (number, candidate, known)
        above = row
    return (best[0], best[1]) if best else None


def missing_headers(header_map: HeaderMap) -> ProblemError:
    return ProblemError(
        422,
        "import.missing_headers",
        f"缺少必需的列: {'、'.join(header_map.missing)} (required columns missing)",
        [FieldError(pointer="/file", code="import.missing_headers", message=h) for h in header_map.missing],
    )


class Reader:
    """One pass over a file's data rows; `table` is set for CSV and XLSX once opened. `mapper` and `sheet` are the
    layout's (the 建档立卡 households by default; another entity's template passes its own)."""

    def __init__(
        self, path: Path, fmt: Format, encoding: str, *, mapper: Mapper = map_headers, sheet: str = SHEET_NAME
    ) -> None:
        self.path = path
        self.format = fmt
        self.encoding = encoding
        self.mapper = mapper
        self.sheet = sheet
        self.table: Table | None = None
        self._close: list[Any] = []

    def close(self) -> None:
        for thing in self._close:
            thing.close()
        self._close.clear()

    def rows(self) -> Iterator[SourceRow]:
        if self.format == "csv":
            return self._csv()
        if self.format == "xlsx":
            return self._xlsx()
        if self.format == "json":
            return self._json_array()
        return self._ndjson()

    # --- tables
    def _table(self, numbered: Iterator[tuple[int, list[Any]]], warnings: list[str], sheet: str | None) -> Table:
        buffered: list[tuple[int, list[Any]]] = []
        for item in numbered:
            buffered.append(item)
            if item[0] >= HEADER_SCAN_ROWS:
                break
        found = find_header(iter(buffered), self.mapper)
        if found is None:
            raise refused(
                "import.no_header",
                "未找到表头: 前 10 行中没有一行包含至少 3 个已知列名 (姓名、证件号码、与户主关系 ...)",
            )
        number, headers = found
        header_map = self.mapper(headers)
        if header_map.missing:
            raise missing_headers(header_map)
        if header_map.unknown:
            warnings.append(f"未识别的列已忽略: {'、'.join(header_map.unknown)} (unknown columns, not imported)")
        if header_map.duplicates:
            warnings.append(f"重复的列只读取第一列: {'、'.join(header_map.duplicates)} (duplicate columns)")
        self.table = Table(number, headers, header_map, warnings, sheet)
        self._pending = [item for item in buffered if item[0] > number]
        return self.table

    def open_table(self) -> Table:
        """Read up to the header (for the request's synchronous check and before the rows)."""
        if self.format == "csv":
            self._numbered = self._csv_rows()
            return self._table(self._numbered, [], None)
        self._numbered, warnings, sheet = self._xlsx_rows()
        return self._table(self._numbered, warnings, sheet)

    def _data(self) -> Iterator[SourceRow]:
        if self.table is None:
            self.open_table()
        text_cells = self.format == "csv"  # a CSV row is all text: blank when its joined cells are
        for number, row in itertools.chain(self._pending, self._numbered):
            if text_cells:
                if not "".join(row).strip():
                    continue
            elif all(c is None or (isinstance(c, str) and c.strip() == "") for c in row):
                continue
            yield SourceRow(number, row)

    def _csv_rows(self) -> Iterator[tuple[int, list[Any]]]:
        f = self.path.open("r", encoding=self.encoding, newline="", errors="strict")
        self._close.append(f)
        sample = f.readline()
        counts = {d: sample.count(d) for d in (",", "\t", ";")}
        delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
        f.seek(0)
        reader = csv.reader(f, delimiter=delimiter)
        return ((n, row) for n, row in enumerate(reader, 1))

    def _csv(self) -> Iterator[SourceRow]:
        try:
            yield from self._data()
        except UnicodeDecodeError:
            raise refused("import.bad_encoding", f"文件不是 {self.encoding} 编码")
        except csv.Error as exc:
            raise refused("import.bad_csv", f"CSV 格式错误: {exc}")

    def _xlsx_rows(self) -> tuple[Iterator[tuple[int, list[Any]]], list[str], str]:
        import openpyxl

        handle = self.path.open("rb")  # a file object: openpyxl would judge a path by its name
        self._close.append(handle)
        try:
            workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except Exception as exc:  # a workbook openpyxl cannot read: say so, do not crash
            raise unsupported(f"无法读取的 Excel 文件 ({type(exc).__name__})")
        self._close.insert(0, workbook)
        warnings = []
        visible = []
        for ws in workbook.worksheets:
            if ws.sheet_state != "visible":
                warnings.append(f"已忽略隐藏的工作表“{ws.title}” (hidden sheet ignored)")
            else:
                visible.append(ws)
        chosen = [ws for ws in visible if ws.title == self.sheet]
        candidates = chosen or visible
        for ws in candidates:
            rows = ((n, list(r)) for n, r in enumerate(ws.iter_rows(values_only=True), 1))
            head = [item for _, item in zip(range(HEADER_SCAN_ROWS), rows, strict=False)]
            if find_header(iter(head), self.mapper) is not None:
                fresh = ((n, list(r)) for n, r in enumerate(ws.iter_rows(values_only=True), 1))
                return fresh, warnings, ws.title
        raise refused(
            "import.no_sheet",
            f"工作簿中没有可导入的工作表: 应有“{self.sheet}”工作表, 或首个可见工作表的前 10 行中含表头"
            " (no sheet with the template's headers)",
        )

    def _xlsx(self) -> Iterator[SourceRow]:
        yield from self._data()

    # --- JSON
    def _text(self) -> io.TextIOWrapper:
        f = self.path.open("r", encoding=self.encoding, errors="strict")
        self._close.append(f)
        return f

    def _ndjson(self) -> Iterator[SourceRow]:
        for number, line in enumerate(self._text(), 1):
            if not line.strip():
                continue
            try:
                yield SourceRow(number, json.loads(line))
            except json.JSONDecodeError as exc:
                yield SourceRow(number, ParseError(f"第 {number} 行不是有效的 JSON: {exc.msg}"))

    def _json_array(self) -> Iterator[SourceRow]:
        """The elements of a top-level JSON array, decoded one at a time from a sliding buffer."""
        f = self._text()
        decoder = json.JSONDecoder()
        buffer = f.read(65536).lstrip().removeprefix("\ufeff").lstrip()
        if not buffer.startswith("["):
            yield SourceRow(1, ParseError("JSON 文件应为对象数组 ([{...}, ...])"))
            return
        buffer = buffer[1:]
        number = 0
        eof = False
        while True:
            buffer = buffer.lstrip()
            if buffer.startswith(","):
                buffer = buffer[1:].lstrip()
            if buffer.startswith("]"):
                return
            if not buffer and eof:
                yield SourceRow(number + 1, ParseError("JSON 数组不完整 (missing ])"))
                return
            try:
                value, end = decoder.raw_decode(buffer)
            except json.JSONDecodeError as exc:
                if eof or len(buffer) > MAX_RECORD_CHARS:
                    yield SourceRow(number + 1, ParseError(f"第 {number + 1} 条记录不是有效的 JSON: {exc.msg}"))
                    return
                more = f.read(65536)
                eof = not more
                buffer += more
                continue
            number += 1
            yield SourceRow(number, value)
            buffer = buffer[end:]
            if len(buffer) < 4096 and not eof:
                more = f.read(65536)
                eof = not more
                buffer += more


@dataclass(frozen=True, slots=True)
class ParseError:
    message: str


def count_rows(path: Path, fmt: Format, encoding: str, *, mapper: Mapper = map_headers, sheet: str = SHEET_NAME) -> int:
    reader = Reader(path, fmt, encoding, mapper=mapper, sheet=sheet)
    try:
        return sum(1 for _ in reader.rows())
    finally:
        reader.close()
