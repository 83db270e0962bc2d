"""Demo data of the adjustment calendar (年度调整): one window of the city, closed today, and two locked changes of
the demo village waiting for it (one field change, one status move), requested by the demo township's login."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import Connection, Table, select

from fupin.adjustments.models import AdjustmentWindow, PendingChange
from fupin.audit import chain
from fupin.audit.chain import Actor, FeedItem
from fupin.core.models import utcnow
from fupin.households.models import Household
from fupin.seed.regions import CITY, DEMO_VILLAGE

WINDOWS: Table = AdjustmentWindow.__table__  # type: ignore[assignment]
PENDING: Table = PendingChange.__table__  # type: ignore[assignment]
HOUSEHOLDS: Table = Household.__table__  # type: ignore[assignment]
REQUESTER = ("township", "卧虎镇扶贫工作站")


def closed_window_dates(today: date) -> tuple[int, date, date]:
    """The next 20 Dec – 31 Jan window that has not opened yet."""
    year = today.year if today < date(today.year, 12, 20) else today.year + 1
    return year, date(year, 12, 20), date(year + 1, 1, 31)


def _record(conn: Connection, *, actor: Actor, action: str, target: chain.Target, changes: dict[str, Any]) -> None:
    chain.record_sync(
        conn,
        actor=actor,
        action=action,
        entity_type=target.entity_type,
        entity_id=target.entity_id,
        region_code=target.region_code,
        subject_id=target.subject_id,
        version=target.version,
        changes=changes,
        feed=[FeedItem(target.entity_type, target.entity_id, action.rsplit(".", 1)[-1], target.region_code, 1)],
    )


def seed_adjustments(conn: Connection, today: date) -> int:
    """The demo window and pending changes, once (nothing when a window exists). Returns pending changes added."""
    if conn.execute(select(WINDOWS.c.id).limit(1)).first() is not None:
        return 0
    now = utcnow()
    system = Actor("system", None, "fupin seed")
    year, opens_on, closes_on = closed_window_dates(today)
    window_id = uuid.uuid5(uuid.NAMESPACE_URL, f"fupin-demo-window:{year}")
    window = {
        "public_id": window_id,
        "year": year,
        "region_code": CITY[0],
        "opens_on": opens_on,
        "closes_on": closes_on,
        "note": f"{year}年度贫困人口动态调整",
        "created_by_name": "fupin seed",
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
    conn.execute(WINDOWS.insert().values(**window))
    shown = {k: window[k] for k in ("year", "region_code", "opens_on", "closes_on", "note")}
    _record(
        conn,
        actor=system,
        action="adjustment_window.created",
        target=chain.Target("adjustment_window", str(window_id), CITY[0], version=1),
        changes=chain.diff({}, shown),
    )
    username, name = REQUESTER
    requester = Actor("user", str(uuid.uuid5(uuid.NAMESPACE_URL, f"fupin-demo-user:{username}")), name)
    asked: list[tuple[str, dict[str, Any], dict[str, Any], Any]] = []
    h = HOUSEHOLDS.c
    in_village = select(h.id, h.public_id, h.attribute, h.status).where(h.village_code == DEMO_VILLAGE).order_by(h.id)
    rows = conn.execute(in_village).all()
    first_open = next((r for r in rows if r.status == "not_exited"), None)
    if first_open is not None:
        other = "dibao" if first_open.attribute != "dibao" else "general"
        asked.append(("update", {"attribute": other}, {"attribute": first_open.attribute}, first_open))
    exited = next((r for r in rows if r.status == "exited_with_policy"), None)
    if exited is not None:
        move = {"to_status": "exited_no_policy", "reason": "稳定脱贫满三年, 不再享受政策", "year": None}
        asked.append(("transition", move, {"status": "exited_with_policy"}, exited))
    for kind, changes, base, row in asked:
        change_id = uuid.uuid5(uuid.NAMESPACE_URL, f"fupin-demo-pending:{row.public_id}:{kind}")
        conn.execute(
            PENDING.insert().values(
                public_id=change_id,
                household_id=row.id,
                region_code=DEMO_VILLAGE,
                kind=kind,
                changes=changes,
                base=base,
                state="pending",
                requested_by_type=requester.type,
                requested_by_id=requester.id,
                requested_by_name=requester.name,
                requested_at=now,
                version=1,
            )
        )
        _record(
            conn,
            actor=requester,
            action="pending_change.requested",
            target=chain.Target(
                "pending_change", str(change_id), DEMO_VILLAGE, subject_id=str(row.public_id), version=1
            ),
            changes=chain.diff({}, {"kind": kind, "changes": changes, "base": base, "state": "pending"}),
        )
    return len(asked)
