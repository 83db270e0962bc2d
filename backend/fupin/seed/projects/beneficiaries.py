"""The households a demo project benefits (帮扶对象) and their measures: the housing projects' 危房改造 measures
(existing ones linked, the others created), the water project's connections, the industry projects' poor
households."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from fupin.audit.chain import FeedItem
from fupin.authz.scope import code_range
from fupin.projects.beneficiaries import POOR
from fupin.seed.projects.plan import HOUSING_SUBSIDY, Spec
from fupin.seed.projects.scenarios import Timeline
from fupin.seed.projects.tables import ASSIGNMENTS, HOUSEHOLDS, MEASURES
from fupin.seed.projects.values import work_time

if TYPE_CHECKING:
    from fupin.seed.projects.seeder import Seeder


_BENEFICIARY = select(  # the fields of a Beneficiary, in its order
    HOUSEHOLDS.c.id,
    HOUSEHOLDS.c.public_id,
    HOUSEHOLDS.c.village_code,
    HOUSEHOLDS.c.head_name,
    HOUSEHOLDS.c.status,
)


@dataclass
class Beneficiary:
    id: int
    public_id: uuid.UUID
    village_code: str
    head_name: str | None
    status: str


def households_in(conn: Connection, regions: Sequence[str], statuses: Sequence[str], limit: int) -> list[Beneficiary]:
    out: list[Beneficiary] = []
    for region in regions:
        if len(out) >= limit:
            break
        low, high = code_range(region)
        rows = conn.execute(
            _BENEFICIARY.where(
                HOUSEHOLDS.c.village_code >= low,
                HOUSEHOLDS.c.village_code < high,
                HOUSEHOLDS.c.status.in_(statuses),
            )
            .order_by(HOUSEHOLDS.c.household_number)
            .limit(limit - len(out))
        )
        out += [Beneficiary(*row) for row in rows]
    return out


def link_beneficiaries(
    s: Seeder, spec: Spec, t: Timeline, pid: int, public_id: uuid.UUID, feed: list[FeedItem]
) -> tuple[int, int]:
    """Link the households benefiting and their measures of the project's kind. Returns (households linked, those
    whose housing measure is done: the derived actual)."""
    if spec.benefit is None or "no_link" in spec.flags:
        return 0, 0
    conn, rng = s.conn, s.rng
    measure_type = spec.benefit
    # the measures of the type already recorded in the project's regions and not delivered through a project
    existing: dict[int, tuple[int, uuid.UUID, str, int, str, date | None]] = {}
    for region in spec.regions:
        low, high = code_range(region)
        for mid, mpublic, village, hid, version, status, finished in conn.execute(
            select(
                MEASURES.c.id,
                MEASURES.c.public_id,
                MEASURES.c.village_code,
                MEASURES.c.household_id,
                MEASURES.c.version,
                MEASURES.c.status,
                MEASURES.c.done_on,
            )
            .where(
                MEASURES.c.village_code >= low,
                MEASURES.c.village_code < high,
                MEASURES.c.type == measure_type,
                MEASURES.c.project_id.is_(None),
            )
            .order_by(MEASURES.c.id)
        ):
            if mid not in s.linked:
                existing.setdefault(hid, (mid, mpublic, village, version, status, finished))
    open_measures = [hid for hid, m in existing.items() if m[4] != "cancelled"]
    if spec.benefit == "water":
        households = households_by_id(conn, open_measures)  # the households being connected
    elif spec.benefit == "housing":
        # the households whose renovation is recorded first, then others of the regions, up to the target
        with_measure = households_by_id(conn, open_measures)[: spec.benefit_count]
        others = households_in(
            conn, spec.regions, ("not_exited", "returned", "exited_with_policy"), spec.benefit_count + len(existing)
        )
        households = with_measure + [h for h in others if h.id not in existing]
        households = households[: spec.benefit_count]
    else:
        households = households_in(conn, spec.regions, POOR, spec.benefit_count)
    if not households:
        return 0, 0
    paired = dict(
        conn.execute(
            select(ASSIGNMENTS.c.household_id, ASSIGNMENTS.c.cadre_id).where(
                ASSIGNMENTS.c.household_id.in_([h.id for h in households]),
                ASSIGNMENTS.c.kind == "paired",
                ASSIGNMENTS.c.ends_on.is_(None),
            )
        ).all()
    )
    linked_on = work_time(t.entered or t.steps[0][2], rng)
    paid = s.direct.setdefault(pid, [])
    # housing: as many renovations done as the work has got (the share), the rest under way
    want_done = round(float(t.share) * spec.benefit_count) if spec.benefit == "housing" else 0
    want_done -= sum(1 for h in households if h.id in existing and existing[h.id][4] == "done")
    for h in households:
        s.rows.beneficiaries.append({"project_id": pid, "household_id": h.id, "created_at": linked_on})
        link = str(uuid.uuid5(public_id, str(h.public_id)))
        feed.append(FeedItem("project_beneficiary", link, "linked", h.village_code, None, "seed"))
        known = existing.get(h.id)
        if known is not None:
            mid, mpublic, village, version, status, measure_done = known
            if status == "cancelled":
                continue
            s.linked.add(mid)
            s.rows.linked_measures.append({"mid": mid, "pid": pid, "new_version": version + 1})
            feed.append(FeedItem("measure", str(mpublic), "updated", village, version + 1, "seed"))
            if status == "done" and measure_done is not None and spec.benefit == "housing":
                paid.append((h, measure_done))
            continue
        if spec.benefit != "housing":
            continue
        is_done = want_done > 0 and t.start < s.today
        want_done -= int(is_done)
        done_on: date | None = None
        if is_done:
            done_on = t.start + timedelta(days=rng.randint(1, max(1, (s.today - t.start).days - 1)))
            if t.accepted is not None and done_on > t.accepted:
                done_on = t.accepted
            paid.append((h, done_on))
        mpublic = uuid.uuid5(uuid.NAMESPACE_URL, f"fupin-demo-project-measure:{pid}:{h.id}")
        rebuild = rng.random() < 0.35
        s.rows.new_measures.append(
            {
                "public_id": mpublic,
                "source_system": None,
                "external_id": None,
                "household_id": h.id,
                "member_id": None,
                "cadre_id": paired.get(h.id),
                "project_id": pid,
                "village_code": h.village_code,
                "type": "housing",
                "content": "D级危房拆除重建" if rebuild else "C级危房修缮加固",
                "year": spec.year,
                "department": s.housing_owner,
                "amount": HOUSING_SUBSIDY,
                "planned_on": min(t.due, t.start + timedelta(days=rng.randint(30, 150))),
                "done_on": done_on,
                "status": "done" if is_done else "in_progress",
                "status_reason": None,
                "version": 1,
                "created_at": s.now,
                "updated_at": s.now,
            }
        )
        feed.append(FeedItem("measure", str(mpublic), "created", h.village_code, 1, "seed"))
    return len(households), len(paid)


def households_by_id(conn: Connection, ids: Sequence[int]) -> list[Beneficiary]:
    if not ids:
        return []
    rows = conn.execute(
        _BENEFICIARY.where(HOUSEHOLDS.c.id.in_(list(ids)), HOUSEHOLDS.c.status != "removed").order_by(
            HOUSEHOLDS.c.household_number
        )
    )
    return [Beneficiary(*row) for row in rows]
