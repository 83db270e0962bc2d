"""The fund anomaly list (资金异常, `GET /api/v1/fund-anomalies`) and its export, on the shared read path.

Kinds (code table fund_anomaly), in this order, each keyed and paged by its own row key (keyset per kind: the
cursor names the kind and the last key, so a page is a few indexed range scans, never the whole union sorted):
- idle_funds (资金闲置): an allocation made more than 12 months before today with an undisbursed remainder (the
  source's net disbursements fill its allocations oldest first); amount = the remainder.
- duplicate_voucher (重复报账): a voucher number used by two or more payments of projects of one county; every
  payment involved is listed, `detail` naming the others.
- ineligible_household: a payment to a household that exited with its policies ended (exited_no_policy) or was
  removed (注销).
- after_completion: paid after the project's completed_on or removed_on.
- before_library: paid before the project's entered_library_on, or the project never entered the library.
- no_benefit_link (无带贫益贫关系): an industry project (category industry) being implemented or later
  (implementing, accepted, completed) without a beneficiary household that is poor (not_exited, returned).
A payment listed is a payment (positive, not a correction); corrections reduce its amount, and a payment fully
corrected (net 0) is listed under no kind."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pydantic_core import to_json
from sqlalchemy import Date, Integer, String, and_, bindparam, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Subquery

from fupin.audit import chain as audit
from fupin.audit.positions import encode_position
from fupin.authz.principal import Principal
from fupin.authz.scope import AreaScope
from fupin.core.code_tables import TABLES, label
from fupin.core.errors import ProblemError
from fupin.core.pagination import decode_cursor, encode_cursor
from fupin.core.readpath import ReadPath, RequestSnapshots, Snapshot, query_family
from fupin.exports.service import CHINA, POSITION_QUERY, DirectExport, record_export, write_xlsx
from fupin.exports.writers import CsvWriter, XlsxWriter, media_type
from fupin.households.models import Household
from fupin.projects import clock
from fupin.projects.beneficiaries import POOR
from fupin.projects.fund_schemas import AnomalyFilters
from fupin.projects.fund_views import allocation_facts
from fupin.projects.funds import idle_cutoff, money
from fupin.projects.models import FundDisbursement, Project, ProjectBeneficiary

KINDS = tuple(code for code, _, _ in TABLES["fund_anomaly"])
INELIGIBLE = ("exited_no_policy", "removed")
BENEFIT_STAGES = ("implementing", "accepted", "completed")
CURSOR_KIND = "fund-anomalies"
HALF_CENT = Decimal("0.005")


def _one_of(column: Any, values: tuple[str, ...]) -> Any:
    """`column IN (...)` as equalities: read-path statements are compiled once and take no IN lists."""
    return or_(*[column == v for v in values])


def corrections() -> Subquery:
    """The sum of the corrections of each corrected payment."""
    return (
        select(FundDisbursement.corrects_id.label("corrects_id"), func.sum(FundDisbursement.amount).label("corrected"))
        .where(FundDisbursement.corrects_id.is_not(None))
        .group_by(FundDisbursement.corrects_id)
        .subquery("corrections")
    )


def _project_columns() -> list[Any]:
    return [
        Project.public_id.label("project_id"),
        Project.code.label("project_code"),
        Project.name.label("project_name"),
        Project.county_code.label("county_code"),
        Project.area_code.label("area_code"),
    ]


def _payments(*extra: Any) -> tuple[Any, Any]:
    """A select of the payments still standing (not corrections, net above zero) with their project, and the
    net column."""
    corr = corrections()
    net = FundDisbursement.amount + func.coalesce(corr.c.corrected, 0)
    stmt = (
        select(
            FundDisbursement.id.label("pk"),
            *_project_columns(),
            FundDisbursement.public_id.label("disbursement_id"),
            FundDisbursement.voucher_no.label("voucher_no"),
            net.label("amount"),
            FundDisbursement.paid_on.label("on"),
            *extra,
        )
        .select_from(FundDisbursement)
        .join(Project, Project.id == FundDisbursement.project_id)
        .outerjoin(corr, corr.c.corrects_id == FundDisbursement.id)
        .where(FundDisbursement.corrects_id.is_(None), net > HALF_CENT)
    )
    return stmt, net


def _duplicates() -> Subquery:
    """(county, voucher) of two or more standing payments."""
    d, p, any_use = aliased(FundDisbursement), aliased(Project), aliased(FundDisbursement)
    corr = corrections()
    # first the numbers written more than once at all (an index-only scan of the voucher index), then the
    # standing payments of those counted per county
    reused = select(any_use.voucher_no).group_by(any_use.voucher_no).having(func.count() > 1)
    return (
        select(p.county_code.label("county_code"), d.voucher_no.label("voucher_no"), func.count().label("uses"))
        .select_from(d)
        .join(p, p.id == d.project_id)
        .outerjoin(corr, corr.c.corrects_id == d.id)
        .where(
            d.voucher_no.in_(reused.scalar_subquery()),
            d.corrects_id.is_(None),
            d.amount + func.coalesce(corr.c.corrected, 0) > HALF_CENT,
        )
        .group_by(p.county_code, d.voucher_no)
        .having(func.count() > 1)
        .subquery("duplicate_vouchers")
    )


def _kind_statement(kind: str, present: tuple[str, ...], after: bool, limited: bool) -> Any:
    key: Any
    if kind == "idle_funds":
        facts = allocation_facts()
        stmt = (
            select(
                facts.c.id.label("pk"),
                *_project_columns(),
                facts.c.public_id.label("allocation_id"),
                facts.c.remaining.label("amount"),
                facts.c.allocated_on.label("on"),
                facts.c.amount.label("allocated"),
                facts.c.source.label("source"),
            )
            .select_from(facts)
            .join(Project, Project.id == facts.c.project_id)
            .where(facts.c.allocated_on < bindparam("cutoff", type_=Date()), facts.c.remaining > HALF_CENT)
        )
        key = facts.c.id
    elif kind == "no_benefit_link":
        poor = (
            exists()
            .where(ProjectBeneficiary.project_id == Project.id)
            .where(Household.id == ProjectBeneficiary.household_id, _one_of(Household.status, POOR))
        )
        stmt = select(Project.id.label("pk"), *_project_columns(), Project.stage.label("stage")).where(
            Project.category == "industry", _one_of(Project.stage, BENEFIT_STAGES), ~poor
        )
        key = Project.id
    else:
        if kind == "duplicate_voucher":
            dupes = _duplicates()
            stmt, _ = _payments(dupes.c.uses.label("uses"))
            stmt = stmt.join(
                dupes,
                and_(dupes.c.county_code == Project.county_code, dupes.c.voucher_no == FundDisbursement.voucher_no),
            )
        elif kind == "ineligible_household":
            stmt, _ = _payments(Household.status.label("status"), Household.head_name.label("head_name"))
            stmt = stmt.join(Household, Household.id == FundDisbursement.payee_household_id).where(
                _one_of(Household.status, INELIGIBLE)
            )
        elif kind == "after_completion":
            stmt, _ = _payments(Project.completed_on.label("completed_on"), Project.removed_on.label("removed_on"))
            stmt = stmt.where(
                or_(FundDisbursement.paid_on > Project.completed_on, FundDisbursement.paid_on > Project.removed_on)
            )
        else:  # before_library
            stmt, _ = _payments(Project.entered_library_on.label("entered_library_on"))
            stmt = stmt.where(
                or_(Project.entered_library_on.is_(None), FundDisbursement.paid_on < Project.entered_library_on)
            )
        key = FundDisbursement.id
    if "year" in present:
        stmt = stmt.where(Project.year == bindparam("year", type_=Integer()))
    if after:
        stmt = stmt.where(key > bindparam("after", type_=Integer()))
    stmt = stmt.order_by(key)
    if limited:
        stmt = stmt.limit(bindparam("limit", type_=Integer()))
    return stmt


def area() -> Any:
    return Project.area_code


KIND_QUERY = query_family("fund-anomalies", _kind_statement, area)


def _members_statement() -> Any:
    """The standing payments of one voucher number in one county (the other uses a duplicate's detail names)."""
    stmt, _ = _payments()
    return stmt.where(
        Project.county_code == bindparam("county", type_=String()),
        FundDisbursement.voucher_no == bindparam("voucher", type_=String()),
    ).order_by(FundDisbursement.id)


MEMBERS_QUERY = query_family("fund-anomaly-voucher", lambda: _members_statement(), area)


def _day(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _detail(kind: str, row: dict[str, Any], others: list[dict[str, Any]] | None) -> str:
    if kind == "idle_funds":
        return (
            f"{label('fund_source', row['source']) or row['source']} {row['on'].isoformat()} 下达 "
            f"{money(row['allocated'])} 元, 超过12个月仍有 {money(row['amount'])} 元未支付"
        )
    if kind == "duplicate_voucher":
        named = [f"{o['project_code']} {_day(o['on'])} {money(o['amount'])} 元" for o in others or []]
        hidden = int(row["uses"]) - 1 - len(named)
        text = f"凭证号 {row['voucher_no']} 另用于: " + ("; ".join(named) if named else "")
        if hidden > 0:
            text += f"{'; ' if named else ''}另有 {hidden} 笔在您的管辖范围外"
        return text
    if kind == "ineligible_household":
        return f"收款户 {row['head_name']} 状态为{label('household_status', row['status']) or row['status']}"
    if kind == "after_completion":
        if row["completed_on"] is not None and row["on"] > row["completed_on"]:
            return f"支付日期 {row['on'].isoformat()} 晚于项目完成日期 {row['completed_on'].isoformat()}"
        return f"支付日期 {row['on'].isoformat()} 晚于项目出库日期 {_day(row['removed_on'])}"
    if kind == "before_library":
        if row["entered_library_on"] is None:
            return f"项目尚未入库, 已于 {row['on'].isoformat()} 支付"
        return f"支付日期 {row['on'].isoformat()} 早于项目入库日期 {row['entered_library_on'].isoformat()}"
    return f"产业项目({label('project_stage', row['stage']) or row['stage']})没有关联的贫困受益户"


async def _present(
    fetch: Callable[..., Any], scope: AreaScope, kind: str, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    if kind == "duplicate_voucher":
        for row in rows:
            group = (row["county_code"], row["voucher_no"])
            if group not in groups:
                groups[group] = await fetch(MEMBERS_QUERY(), scope, {"county": group[0], "voucher": group[1]})
    out = []
    for row in rows:
        others = None
        if kind == "duplicate_voucher":
            members = groups[(row["county_code"], row["voucher_no"])]
            others = [o for o in members if o["pk"] != row["pk"]]
        out.append(
            {
                "kind": kind,
                "project_id": row["project_id"],
                "project_code": row["project_code"],
                "project_name": row["project_name"],
                "county_code": row["county_code"],
                "area_code": row["area_code"],
                "allocation_id": row.get("allocation_id"),
                "disbursement_id": row.get("disbursement_id"),
                "voucher_no": row.get("voucher_no"),
                "amount": money(row["amount"]) if "amount" in row else None,
                "on": row.get("on"),
                "detail": _detail(kind, row, others),
            }
        )
    return out


@dataclass(frozen=True, slots=True)
class Bound:
    kinds: tuple[str, ...]
    present: tuple[str, ...]
    values: dict[str, Any]


def bind(filters: AnomalyFilters) -> Bound:
    present = ("year",) if filters.year is not None else ()
    values: dict[str, Any] = {"cutoff": idle_cutoff(clock.today())}
    if filters.year is not None:
        values["year"] = filters.year
    kinds = (filters.kind,) if filters.kind else KINDS
    return Bound(kinds, present, values)


def _values(kind: str, bound: Bound, extra: dict[str, Any]) -> dict[str, Any]:
    values = {**bound.values, **extra}
    if kind != "idle_funds":
        values.pop("cutoff", None)
    return values


def _start(cursor: str | None) -> tuple[int, int | None]:
    if not cursor:
        return 0, None
    values = decode_cursor(cursor, CURSOR_KIND)
    if len(values) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise ProblemError(400, "invalid_cursor", "The cursor is invalid; start again from the first page.")
    if not 0 <= values[0] < len(KINDS):
        raise ProblemError(400, "invalid_cursor", "The cursor is invalid; start again from the first page.")
    return values[0], values[1]


async def page_json(
    read: ReadPath, scope: AreaScope, filters: AnomalyFilters, *, limit: int, cursor: str | None
) -> bytes:
    """One page: the kinds in the code table's order, each by its row key; `next_cursor` names the kind and key
    the next page continues after."""
    bound = bind(filters)
    start_kind, after = _start(cursor)
    items: list[dict[str, Any]] = []
    next_cursor = None
    for kind in bound.kinds:
        index = KINDS.index(kind)
        if index < start_kind:
            continue
        key = after if index == start_kind else None
        wanted = limit - len(items)
        extra: dict[str, Any] = {"limit": wanted + 1}
        if key is not None:
            extra["after"] = key
        rows = await read.fetch(
            KIND_QUERY(kind, bound.present, key is not None, True), scope, _values(kind, bound, extra)
        )
        if len(rows) > wanted:
            rows = rows[:wanted]
            items += await _present(read.fetch, scope, kind, rows)
            next_cursor = encode_cursor(CURSOR_KIND, [index, rows[-1]["pk"]])
            break
        items += await _present(read.fetch, scope, kind, rows)
        if len(items) == limit:
            # the page is full: the next one starts after this kind's last row (it may find nothing more)
            if rows:
                next_cursor = encode_cursor(CURSOR_KIND, [index, rows[-1]["pk"]])
            break
    return to_json({"items": items, "next_cursor": next_cursor})


# ------------------------------------------------------------------ export

SHEET = "资金异常"
CELLS: list[tuple[str, str, float, bool]] = [
    ("异常类型", "kind", 16, False),
    ("项目编号", "project_code", 18, True),
    ("项目名称", "project_name", 36, False),
    ("县代码", "county_code", 16, True),
    ("所属区划代码", "area_code", 16, True),
    ("凭证号", "voucher_no", 18, True),
    ("金额(元)", "amount", 14, False),
    ("日期", "on", 12, False),
    ("说明", "detail", 60, False),
    ("项目ID", "project_id", 38, True),
    ("资金下达ID", "allocation_id", 38, True),
    ("支付ID", "disbursement_id", 38, True),
]
HEADERS = tuple(c[0] for c in CELLS)
WIDTHS = [c[2] for c in CELLS]
TEXT_COLUMNS = frozenset(i for i, c in enumerate(CELLS) if c[3])


def _cells(item: dict[str, Any]) -> list[Any]:
    out: list[Any] = []
    for _, name, _, _ in CELLS:
        value = item[name]
        if name == "kind":
            value = label("fund_anomaly", value) or value
        elif name == "amount" and value is not None:
            value = Decimal(value)
        elif isinstance(value, uuid.UUID | date):
            value = str(value)
        out.append(value)
    return out


def disposition(format: str) -> str:
    day = datetime.now(CHINA).strftime("%Y%m%d")
    return (
        f"attachment; filename=\"fund-anomalies-{day}.{format}\"; filename*=UTF-8''{quote(f'资金异常-{day}.{format}')}"
    )


async def _all_rows(snap: Snapshot, scope: AreaScope, bound: Bound) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for kind in bound.kinds:
        rows = await snap.fetch(KIND_QUERY(kind, bound.present, False, False), scope, _values(kind, bound, {}))
        items += await _present(snap.fetch, scope, kind, rows)
    return items


async def direct(
    session: AsyncSession, snapshots: RequestSnapshots, principal: Principal, *, query: Any, limit: int
) -> DirectExport:
    scope = principal.scope.narrowed_to(query.region_code)
    bound = bind(query)
    snap = await snapshots.open()
    seq = int(await snap.scalar(POSITION_QUERY, None, {"head": audit.CHANGES}) or 0)
    items = await _all_rows(snap, scope, bound)
    if len(items) > limit:
        await snap.close()
        raise ProblemError(
            413,
            "export.too_large",
            f"The export has {len(items)} rows, more than the {limit} a direct download streams; narrow the filters.",
            extra={"rows": len(items), "limit": limit},
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
            "entity": "fund_anomalies",
            "format": query.format,
            "encoding": query.encoding,
            "filters": filters,
            "rows": len(items),
            "changes_position": position,
            "via": "direct",
        },
    )
    await snap.close()
    return DirectExport(
        export_id,
        len(items),
        position,
        media_type(query.format, query.encoding),
        disposition(query.format),
        _body([_cells(i) for i in items], query),
    )


async def _body(rows: list[list[Any]], query: Any) -> AsyncIterator[bytes]:
    if query.format == "csv":
        writer = CsvWriter(query.encoding, headers=HEADERS)
        yield writer.begin()
        yield writer.write(rows)
        yield writer.end()
        return

    async def batches() -> AsyncIterator[list[list[Any]]]:
        yield rows

    with tempfile.TemporaryDirectory(prefix="fupin-export-") as folder:
        path = Path(folder) / "fund-anomalies.xlsx"
        await write_xlsx(
            batches(),
            path,
            writer=lambda: XlsxWriter(path, headers=HEADERS, sheet=SHEET, widths=WIDTHS, text_columns=TEXT_COLUMNS),
        )
        with path.open("rb") as file:
            while chunk := file.read(1 << 16):
                yield chunk
