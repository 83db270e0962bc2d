"""The content hash of a household: SHA-256 over a canonical JSON of its contract fields and its active members,
the same on SQLite and PostgreSQL and computable by a partner from the API output or an export.
Defined precisely in docs/integration/content-hash.md; reconciliation (`POST /api/v1/reconcile`) compares it, and
an export may carry it as a column. Change nothing here without a new `v` (partners store these hashes)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

HASH_VERSION = 1

# (name in the canonical JSON, attribute of the household record): the API's field names
HOUSEHOLD_FIELDS: tuple[tuple[str, str], ...] = (
    ("household_number", "household_number"),
    ("village_code", "village_code"),
    ("group", "group_name"),
    ("address", "address"),
    ("phone", "phone"),
    ("bank_account", "bank_account"),
    ("identification_standard", "identification_standard"),
    ("attribute", "attribute"),
    ("main_cause", "main_cause"),
    ("secondary_causes", "secondary_causes"),
    ("first_identified_on", "first_identified_on"),
    ("status", "status"),
    ("status_reason", "status_reason"),
    ("planned_exit_year", "planned_exit_year"),
    ("exit_year", "exit_year"),
    ("housing_area", "housing_area"),
    ("housing_safety", "housing_safety"),
    ("safe_drinking_water", "safe_drinking_water"),
    ("electricity", "electricity"),
    ("road_type", "road_type"),
    ("sanitary_toilet", "sanitary_toilet"),
    ("fuel", "fuel"),
    ("relocated", "relocated"),
    ("relocation_year", "relocation_year"),
    ("relocation_site", "relocation_site"),
    ("military_family", "military_family"),
    ("only_child", "only_child"),
    ("two_daughters", "two_daughters"),
)
MEMBER_FIELDS: tuple[str, ...] = (
    "name",
    "id_type",
    "id_number",
    "gender",
    "birth_date",
    "ethnicity",
    "relation",
    "education",
    "school_status",
    "health",
    "disability_grade",
    "labour",
    "work_status",
    "months_worked",
    "public_welfare_job",
    "medical_insurance",
    "serious_illness_insurance",
    "pension_insurance",
    "dibao",
    "tekun",
)
# decimal fields and their places: always written with exactly this many digits after the point
DECIMAL_PLACES = {"housing_area": 2}
HOUSEHOLD_COLUMNS = tuple(attribute for _, attribute in HOUSEHOLD_FIELDS)


def _get(record: Any, name: str) -> Any:
    return record[name] if isinstance(record, Mapping) else getattr(record, name)


def _value(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in DECIMAL_PLACES:
        places = DECIMAL_PLACES[name]
        exact = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        return format(exact.quantize(Decimal(1).scaleb(-places)), "f")
    if isinstance(value, date):
        return value.isoformat()  # YYYY-MM-DD (these are dates, never datetimes)
    if name == "secondary_causes":
        return sorted(str(code) for code in value)
    if isinstance(value, bool | int | str):
        return value
    raise TypeError(f"{name}: no canonical form for {type(value).__name__}")


def canonical(household: Any, members: Iterable[Any]) -> dict[str, Any]:
    """The canonical document: the household's contract fields, its active members ordered by ID number."""
    active = [m for m in members if _get(m, "active")]
    active.sort(key=lambda m: (_get(m, "id_number"), _get(m, "id_type")))
    return {
        "v": HASH_VERSION,
        "household": {key: _value(key, _get(household, attribute)) for key, attribute in HOUSEHOLD_FIELDS},
        "members": [{name: _value(name, _get(m, name)) for name in MEMBER_FIELDS} for m in active],
    }


def canonical_json(household: Any, members: Iterable[Any]) -> bytes:
    document = canonical(household, members)
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def content_hash(household: Any, members: Iterable[Any]) -> str:
    """Lowercase hex SHA-256 of `canonical_json`. `household` and `members` are records or mappings with the
    model's attribute names (`group_name`, `active`, ...)."""
    return hashlib.sha256(canonical_json(household, members)).hexdigest()
