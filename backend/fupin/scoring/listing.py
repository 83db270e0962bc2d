"""The ranking list on the shared read path (`core.readpath`): a period's scores of one level in the caller's area,
best first (rank, then code), offset pages (a ranking is a fixed table: its pages never shift while it is read)."""

from __future__ import annotations

import json
from typing import Any

from pydantic_core import to_json
from sqlalchemy import Integer, String, bindparam, func, select
from sqlalchemy.orm import aliased

from fupin.authz.scope import AreaScope
from fupin.core.errors import not_found
from fupin.core.readpath import ReadPath, ReadQuery
from fupin.regions.models import Region
from fupin.scoring.models import Period, Score

_REGION = aliased(Region, name="unit_region")
_PARENT = aliased(Region, name="parent_region")


def _period() -> Any:
    return select(Period.id, Period.code, Period.state, Period.as_of, Period.indicators).where(
        Period.code == bindparam("code", type_=String())
    )


def _page() -> Any:
    return (
        select(
            Score.region_code,
            _REGION.name.label("region_name"),
            _REGION.parent_code,
            _PARENT.name.label("parent_name"),
            Score.level,
            Score.total.label("score"),
            Score.rank,
            Score.ranked,
            Score.bottom_three,
            Score.dimensions,
        )
        .select_from(Score)
        .join(_REGION, _REGION.code == Score.region_code)
        .outerjoin(_PARENT, _PARENT.code == _REGION.parent_code)
        .where(Score.period_id == bindparam("period_id", type_=Integer()), Score.level == bindparam("level"))
        .order_by(Score.rank, Score.region_code)
        .limit(bindparam("limit", type_=Integer()))
        .offset(bindparam("offset", type_=Integer()))
    )


def _count() -> Any:
    return (
        select(func.count().label("total"))
        .select_from(Score)
        .where(Score.period_id == bindparam("period_id", type_=Integer()), Score.level == bindparam("level"))
    )


def _area() -> Any:
    return Score.region_code


PERIOD = ReadQuery("assessment-period", _period, None)
PAGE = ReadQuery("assessment-rankings", _page, _area)
COUNT = ReadQuery("assessment-rankings-count", _count, _area)


async def page(read: ReadPath, scope: AreaScope, *, code: str, level: str, limit: int, offset: int) -> dict[str, Any]:
    """One page of the ranking (the fields of `RankingPage`, and the period's `indicators`); a period that does not
    exist is a 404."""
    periods = await read.fetch(PERIOD, None, {"code": code})
    if not periods:
        raise not_found("assessment period")
    period = periods[0]
    values = {"period_id": period["id"], "level": level}
    rows = await read.fetch(PAGE, scope, {**values, "limit": limit, "offset": offset})
    total = int(await read.scalar(COUNT, scope, values) or 0)
    for row in rows:
        row["bottom_three"] = bool(row["bottom_three"])
        row["score"] = str(row["score"])
        row["dimensions"] = _json(row["dimensions"])
    return {
        "period": period["code"],
        "level": level,
        "state": period["state"],
        "as_of": period["as_of"],
        "total": total,
        "items": rows,
        "indicators": _json(period["indicators"]) or [],
    }


def _json(value: Any) -> Any:
    """A JSON column as read by the driver: parsed already, or (raw SQL on SQLite) its text."""
    return json.loads(value) if isinstance(value, str) else value


async def page_json(read: ReadPath, scope: AreaScope, *, code: str, level: str, limit: int, offset: int) -> bytes:
    """One page of the ranking as the JSON of `RankingPage`."""
    body = await page(read, scope, code=code, level=level, limit=limit, offset=offset)
    body.pop("indicators")
    return to_json(body)
