"""The state of one seeding run (the rows to write, the ids taken, the voucher and document numbers, who did what)
and the writing of its rows."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Table, bindparam, func, select

from fupin.core.models import utcnow
from fupin.seed.bulk import Writer
from fupin.seed.projects import audit
from fupin.seed.projects.places import Regions
from fupin.seed.projects.plan import COUNTY_KEYS
from fupin.seed.projects.tables import (
    ALLOCATIONS,
    BENEFICIARIES,
    DEPARTMENTS,
    DISBURSEMENTS,
    MEASURES,
    MILESTONES,
    NOTICES,
    PROJECT_REGIONS,
    PROJECTS,
    STEPS,
    TARGET_UPDATES,
    TARGETS,
)
from fupin.seed.regions import DEMO_TOWNSHIP, OTHER_TOWNSHIP

if TYPE_CHECKING:
    from fupin.seed.projects.beneficiaries import Beneficiary


class Ids:
    """Row ids taken up front (children reference them), one counter per table."""

    def __init__(self, conn: Connection, tables: Sequence[Table]) -> None:
        self.next = {
            t.name: int(conn.execute(select(func.coalesce(func.max(t.c.id), 0))).scalar_one()) + 1 for t in tables
        }

    def take(self, table: Table) -> int:
        value = self.next[table.name]
        self.next[table.name] = value + 1
        return value


@dataclass
class Rows:
    projects: list[dict[str, Any]] = field(default_factory=list)
    regions: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    targets: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    milestones: list[dict[str, Any]] = field(default_factory=list)
    allocations: list[dict[str, Any]] = field(default_factory=list)
    disbursements: list[dict[str, Any]] = field(default_factory=list)
    beneficiaries: list[dict[str, Any]] = field(default_factory=list)
    notices: list[dict[str, Any]] = field(default_factory=list)
    new_measures: list[dict[str, Any]] = field(default_factory=list)
    linked_measures: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


class Seeder:
    def __init__(self, conn: Connection, reg: Regions, today: date, rng: random.Random) -> None:
        self.conn = conn
        self.reg = reg
        self.today = today
        self.rng = rng
        self.rows = Rows()
        self.ids = Ids(conn, (PROJECTS, TARGETS, ALLOCATIONS, DISBURSEMENTS))
        self.vouchers: dict[str, int] = {}
        self.documents: dict[str, int] = {}
        self.first_voucher: dict[int, str] = {}  # spec index → its first voucher number
        self.linked: set[int] = set()  # measure ids given a project
        self.now = utcnow()
        self.housing_owner = self._owner("housing")
        self.users = {
            name: str(uuid.uuid5(uuid.NAMESPACE_URL, f"fupin-demo-user:{name}"))
            for name in ("county_office", "township", "township2")
        }
        self.user_names = {
            "county_office": "双辽市扶贫办",
            "township": "卧虎镇扶贫工作站",
            "township2": "双山镇扶贫工作站",
        }
        self.ineligible_paid = False
        self.direct: dict[int, list[tuple[Beneficiary, date]]] = {}  # project → households to pay, when done

    def _owner(self, measure_type: str) -> str | None:
        owner = None
        for code, types in self.conn.execute(
            select(DEPARTMENTS.c.code, DEPARTMENTS.c.measure_types).order_by(DEPARTMENTS.c.code)
        ):
            if measure_type in (types or []):
                if code == measure_type:
                    return str(code)
                owner = owner or str(code)
        return owner

    # who did what ------------------------------------------------------------------------------------------------
    def actor(self, area: str, *, township_step: bool) -> tuple[str, str, str]:
        """(type, id, name): the demo logins in 双辽市, the county's or township's office elsewhere."""
        if area.startswith("220382"):
            if township_step and area.startswith(DEMO_TOWNSHIP[:9]):
                return "user", self.users["township"], self.user_names["township"]
            if township_step and area.startswith(OTHER_TOWNSHIP[:9]):
                return "user", self.users["township2"], self.user_names["township2"]
            return "user", self.users["county_office"], self.user_names["county_office"]
        if township_step and area[6:9] != "000":
            return "system", "fupin-seed", self.reg.names.get(area[:9] + "000", "") + "扶贫工作站"
        return "system", "fupin-seed", self.reg.county_name(area) + "扶贫办"

    def voucher(self, county: str, year: int) -> str:
        number = self.vouchers.get(county, 0) + 1
        self.vouchers[county] = number
        return f"{COUNTY_KEYS.get(county[:6], ('XX', ''))[0]}{year}-{number:05d}"

    def document(self, source: str, county: str, year: int) -> str:
        short = COUNTY_KEYS.get(county[:6], ("", "县"))[1]
        issuer = {
            "central": "吉财农",
            "provincial": "吉财农",
            "city": "四财农",
            "county": f"{short}财农",
            "integrated": f"{short}整合办",
            "social": "四平市定点帮扶协议",
            "other": "运营商共建协议",
        }[source]
        key = issuer
        number = self.documents.get(key, self.rng.randint(10, 60)) + self.rng.randint(1, 9)
        self.documents[key] = number
        return f"{issuer}〔{year}〕{number}号"


def write(s: Seeder) -> None:
    """Insert the run's rows, link the existing measures, and record the audit events."""
    conn, rows = s.conn, s.rows
    writer = Writer(conn)
    writer.insert(PROJECTS, rows.projects)
    writer.insert(PROJECT_REGIONS, rows.regions)
    writer.insert(STEPS, rows.steps)
    writer.insert(TARGETS, rows.targets)
    writer.insert(TARGET_UPDATES, rows.updates)
    writer.insert(MILESTONES, rows.milestones)
    writer.insert(BENEFICIARIES, rows.beneficiaries)
    writer.insert(MEASURES, [{k: v for k, v in m.items() if not k.startswith("_")} for m in rows.new_measures])
    if rows.linked_measures:
        conn.execute(
            MEASURES.update()
            .where(MEASURES.c.id == bindparam("mid"))
            .values(project_id=bindparam("pid"), version=bindparam("new_version"), updated_at=s.now),
            rows.linked_measures,
        )
    writer.insert(ALLOCATIONS, rows.allocations)
    writer.insert(DISBURSEMENTS, rows.disbursements)
    writer.insert(NOTICES, rows.notices)
    writer.sync_sequences(PROJECTS, TARGETS, ALLOCATIONS, DISBURSEMENTS)
    audit.record(conn, rows)
