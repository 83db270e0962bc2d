"""The public notices of a demo project (公告公示): the entry notice (入库公示, displayed 10+ days before the entry),
the completion notice (竣工公告) and an allocation's notice."""

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from fupin.seed.projects.plan import Spec
from fupin.seed.projects.scenarios import Timeline
from fupin.seed.projects.seeder import Seeder
from fupin.seed.projects.values import work_time


def _notice(
    *,
    public_id: uuid.UUID,
    pid: int,
    kind: str,
    figures: dict[str, Any],
    location: str,
    display_from: date,
    display_to: date,
    created_at: datetime,
    actor_name: str,
    allocation_id: int | None = None,
) -> dict[str, Any]:
    """A notice row, published on the day its display begins."""
    return {
        "public_id": public_id,
        "project_id": pid,
        "kind": kind,
        "allocation_id": allocation_id,
        "figures": figures,
        "location": location,
        "display_from": display_from,
        "display_to": display_to,
        "published_on": display_from,
        "created_at": created_at,
        "actor_name": actor_name,
        "version": 1,
    }


def allocation_notice(
    s: Seeder,
    county: str,
    pid: int,
    public_id: uuid.UUID,
    *,
    allocation_id: int,
    figures: dict[str, Any],
    published: date,
) -> None:
    """An allocation's notice (资金公告) on the county government's website, displayed 10 to 15 days."""
    county_name = s.reg.county_name(county)
    s.rows.notices.append(
        _notice(
            public_id=uuid.uuid5(public_id, f"notice:allocation:{figures['source']}"),
            pid=pid,
            kind="allocation",
            allocation_id=allocation_id,
            figures=figures,
            location=f"{county_name}人民政府网站",
            display_from=published,
            display_to=published + timedelta(days=s.rng.randint(10, 15)),
            created_at=work_time(published, s.rng),
            actor_name=f"{county_name}扶贫办",
        )
    )


def add_notices(
    s: Seeder,
    spec: Spec,
    t: Timeline,
    pid: int,
    public_id: uuid.UUID,
    area: str,
    figures: dict[str, Any],
    target_values: list[tuple[Decimal, Decimal, Decimal]],
) -> None:
    """The entry notice (入库公示, displayed 10+ days before the entry) and the completion notice (竣工公告)."""
    rng = s.rng
    location = s.reg.names.get(area, "") + ("村务公开栏" if area[9:] != "000" else "政务公开栏")
    if t.entered is not None:
        approved = t.day_of("approved") or t.entered - timedelta(days=12)
        display_from = approved + timedelta(days=1)
        s.rows.notices.append(
            _notice(
                public_id=uuid.uuid5(public_id, "notice:entry"),
                pid=pid,
                kind="entry",
                figures=figures,
                location=location,
                display_from=display_from,
                display_to=max(display_from + timedelta(days=10), t.entered - timedelta(days=1)),
                created_at=work_time(display_from, rng),
                actor_name=spec.unit,
            )
        )
    if t.completed is not None:
        display_from = t.completed + timedelta(days=rng.randint(1, 3))
        s.rows.notices.append(
            _notice(
                public_id=uuid.uuid5(public_id, "notice:completion"),
                pid=pid,
                kind="completion",
                figures={
                    **figures,
                    "completed_on": t.completed.isoformat(),
                    "actuals": [str(actual) for _, _, actual in target_values],
                },
                location=location,
                display_from=display_from,
                display_to=display_from + timedelta(days=rng.randint(10, 15)),
                created_at=work_time(min(display_from, s.today), rng),
                actor_name=spec.unit,
            )
        )
