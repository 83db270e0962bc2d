"""The regions of the demo city the projects are placed in: names, a county's townships, a township's villages,
the poor villages."""

from dataclasses import dataclass

from sqlalchemy import Connection, select

from fupin.authz.scope import code_range
from fupin.seed.projects.tables import REGIONS
from fupin.seed.regions import CITY


@dataclass
class Regions:
    names: dict[str, str]
    townships: dict[str, list[str]]  # county (6 digits) → township codes
    villages: dict[str, list[str]]  # township (9 digits) → village codes
    poor_villages: list[str]

    def county_name(self, code: str) -> str:
        return self.names.get(code[:6] + "000000", code[:6])

    def place(self, code: str) -> str:
        """双辽市卧虎镇东方红村: the region's name with its township and county."""
        parts = [self.county_name(code)]
        if code[6:9] != "000":
            parts.append(self.names.get(code[:9] + "000", ""))
        if code[9:] != "000":
            parts.append(self.names.get(code, ""))
        return "".join(parts)


def load_regions(conn: Connection) -> Regions:
    names: dict[str, str] = {}
    townships: dict[str, list[str]] = {}
    villages: dict[str, list[str]] = {}
    poor: list[str] = []
    low, high = code_range(CITY[0])
    rows = conn.execute(
        select(REGIONS.c.code, REGIONS.c.name, REGIONS.c.level, REGIONS.c.is_poor_village)
        .where(REGIONS.c.code >= low, REGIONS.c.code < high, REGIONS.c.valid_to.is_(None))
        .order_by(REGIONS.c.code)
    )
    for code, name, level, is_poor in rows:
        names[code] = name
        if level == 4:
            townships.setdefault(code[:6], []).append(code)
        elif level == 5:
            villages.setdefault(code[:9], []).append(code)
            if is_poor:
                poor.append(code)
    return Regions(names, townships, villages, poor)
