"""The document of a public notice (公告公示): a PDF (fpdf2, embedding a subset of a CJK TrueType font) and a
self-contained printable HTML page, both drawn from the notice's kept `figures` only.

The font is the setting `notice_font` (env FUPIN_NOTICE_FONT), by default Debian's fonts-wqy-zenhei (文泉驿正黑,
a TrueType collection whose first face is used). Without that file the PDF is refused (503 `notice.font_missing`)
while the HTML page still works: it uses the fonts of the browser that prints it."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fupin.core.code_tables import label
from fupin.core.errors import ProblemError

DEFAULT_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
FONT_MISSING = "未找到公告所用的中文字体, 请安装 fonts-wqy-zenhei 或配置 FUPIN_NOTICE_FONT (the CJK font is missing)"
UNSAFE_IN_NAMES = str.maketrans({c: "_" for c in '/\\:*?"<>|\r\n\t'})

logging.getLogger("fontTools.subset").setLevel(logging.ERROR)


@dataclass(frozen=True, slots=True)
class Document:
    """What the document shows besides the figures: the notice's own fields."""

    kind: str
    figures: dict[str, Any]
    location: str | None
    display_from: date | None
    display_to: date | None
    published_on: date | None


def font_file(setting: Path | None) -> Path:
    """The font file, or 503 `notice.font_missing` when it is not there."""
    path = setting or DEFAULT_FONT
    if not path.is_file():
        raise ProblemError(503, "notice.font_missing", FONT_MISSING)
    return path


def title(doc: Document) -> str:
    name = str(doc.figures.get("project_name") or "")
    return f"{name}{label('notice_kind', doc.kind) or doc.kind}"


def _day(value: date | str | None) -> str:
    if value is None:
        return "—"
    day = value if isinstance(value, date) else date.fromisoformat(value)
    return f"{day.year}年{day.month}月{day.day}日"


def _text(value: Any) -> str:
    return "—" if value in (None, "") else str(value)


def facts(doc: Document) -> list[tuple[str, str]]:
    """The project's facts as (label, value) rows, in the order both documents show them."""
    f = doc.figures
    regions = "、".join(r["name"] for r in f.get("regions", [])) or "—"
    rows = [
        ("项目编号", _text(f.get("project_code"))),
        ("项目名称", _text(f.get("project_name"))),
        ("项目类别", _text(f.get("category_label") or f.get("category"))),
        ("项目级别", _text(f.get("level_label") or f.get("level"))),
        ("建设性质", _text(f.get("nature_label"))),
        ("实施地点", regions),
        ("责任单位", _text(f.get("responsible_unit"))),
        ("责任人", _text(f.get("responsible_person"))),
        ("计划开工", _day(f.get("planned_start_on"))),
        ("计划完工", _day(f.get("due_on"))),
    ]
    if doc.kind == "completion":
        rows.append(("完成日期", _day(f.get("completed_on"))))
    rows.append(("带贫减贫机制", _text(f.get("benefit_mechanism"))))
    totals = f.get("funds_total", {})
    rows.append(("资金总额", f"{_text(totals.get('allocated'))} 元 (已支付 {_text(totals.get('disbursed'))} 元)"))
    people = f.get("beneficiaries", {})
    rows.append(
        (
            "受益对象",
            f"{people.get('households', 0)} 户 {people.get('people', 0)} 人, 其中贫困户 "
            f"{people.get('poor_households', 0)} 户 {people.get('poor_people', 0)} 人",
        )
    )
    allocation = f.get("allocation")
    if allocation:
        rows += [
            ("资金来源", _text(allocation.get("source_label") or allocation.get("source"))),
            ("下达金额", f"{_text(allocation.get('amount'))} 元"),
            ("下达文号", _text(allocation.get("document_no"))),
            ("下达日期", _day(allocation.get("allocated_on"))),
        ]
    return rows


def target_rows(doc: Document) -> list[tuple[str, str, str]]:
    out = []
    for t in doc.figures.get("targets", []):
        unit = t.get("unit_label") or t.get("unit") or ""
        done = f"{t.get('actual')} {unit}" if doc.kind == "completion" else ""
        out.append((str(t.get("metric")), f"{t.get('target')} {unit}", done))
    return out


def fund_rows(doc: Document) -> list[tuple[str, str, str]]:
    return [
        (str(r.get("source_label") or r.get("source")), f"{r.get('allocated')} 元", f"{r.get('disbursed')} 元")
        for r in doc.figures.get("funds", [])
    ]


def closing(doc: Document) -> list[str]:
    period = (
        f"公示期: {_day(doc.display_from)} 至 {_day(doc.display_to)}"
        if doc.display_from and doc.display_to
        else "公示期: —"
    )
    unit = _text(doc.figures.get("responsible_unit"))
    return [
        period,
        f"公示地点: {_text(doc.location)}",
        f"公示期内如有异议, 请向{unit}反映。",
        f"{unit}    {_day(doc.published_on)}",
    ]


# ---------------------------------------------------------------- HTML


def render_html(doc: Document) -> str:
    """A printable page, every value escaped (project names, units, places are what users typed)."""
    e = html.escape
    facts_html = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in facts(doc))
    targets = target_rows(doc)
    done_head = "<th>实际完成</th>" if doc.kind == "completion" else ""
    targets_html = "".join(
        f"<tr><td>{e(m)}</td><td>{e(t)}</td>{f'<td>{e(a)}</td>' if doc.kind == 'completion' else ''}</tr>"
        for m, t, a in targets
    )
    funds_html = "".join(f"<tr><td>{e(s)}</td><td>{e(a)}</td><td>{e(d)}</td></tr>" for s, a, d in fund_rows(doc))
    closing_html = "".join(f"<p>{e(line)}</p>" for line in closing(doc))
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{e(title(doc))}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "WenQuanYi Zen Hei", "Microsoft YaHei", sans-serif; margin: 2cm;
  color: #000; }}
h1 {{ text-align: center; font-size: 22pt; }}
h2 {{ font-size: 14pt; margin-top: 1.2em; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #000; padding: 4px 8px; text-align: left; vertical-align: top; }}
th {{ width: 8em; white-space: nowrap; }}
.closing {{ margin-top: 2em; }}
.closing p:last-child {{ text-align: right; }}
@media print {{ body {{ margin: 0; }} @page {{ size: A4; margin: 2cm; }} }}
</style>
</head>
<body>
<h1>{e(title(doc))}</h1>
<table class="facts">{facts_html}</table>
<h2>绩效目标</h2>
<table class="targets"><tr><th>指标</th><th>目标值</th>{done_head}</tr>{targets_html}</table>
<h2>资金来源</h2>
<table class="funds"><tr><th>来源</th><th>下达</th><th>已支付</th></tr>{funds_html}</table>
<div class="closing">{closing_html}</div>
</body>
</html>
"""


# ---------------------------------------------------------------- PDF


def render_pdf(doc: Document, *, font: Path) -> bytes:
    """An A4 PDF with the font embedded (subset, with its ToUnicode map: the text can be searched and copied)."""
    from fpdf import FPDF
    from fpdf.enums import WrapMode

    pdf = FPDF(format="A4")
    pdf.set_title(title(doc))
    pdf.set_creator("Fupin 扶贫")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    pdf.add_font("notice", fname=str(font))
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def line(text: str, *, size: float = 11, align: str = "L", height: float = 7) -> None:
        pdf.set_font("notice", size=size)
        pdf.multi_cell(width, height, text, align=align, wrapmode=WrapMode.CHAR, new_x="LMARGIN", new_y="NEXT")

    line(title(doc), size=18, align="C", height=12)
    pdf.ln(4)
    for key, value in facts(doc):
        line(f"{key}: {value}")
    pdf.ln(2)
    line("绩效目标", size=13, height=9)
    for metric, target, actual in target_rows(doc) or [("—", "", "")]:
        line(f"· {metric}  目标 {target}" + (f"  实际完成 {actual}" if actual else "") if target else metric)
    pdf.ln(2)
    line("资金来源", size=13, height=9)
    for source, allocated, disbursed in fund_rows(doc) or [("—", "", "")]:
        line(f"· {source}  下达 {allocated}  已支付 {disbursed}" if allocated else source)
    pdf.ln(6)
    for text in closing(doc)[:-1]:
        line(text)
    line(closing(doc)[-1], align="R")
    return bytes(pdf.output())


def content_disposition(doc: Document, *, notice_id: str) -> str:
    """`attachment` with an ASCII `filename` and the Chinese title as RFC 5987 `filename*`."""
    chinese = title(doc).translate(UNSAFE_IN_NAMES)[:120] + ".pdf"
    return f"attachment; filename=\"notice-{doc.kind}-{notice_id}.pdf\"; filename*=UTF-8''{quote(chinese)}"
