"""What the national system locks outside the adjustment window (年度调整): one table, read by the household
service and the status workflow through `locked_fields` and `locked_move`. Nothing else decides it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class LockTable:
    fields: Mapping[str, str]  # household field → label: a change of its value is locked
    statuses: Mapping[str, str]  # status code → label: a move to or from it is locked


LOCKED = LockTable(
    fields={"attribute": "贫困户属性", "identification_standard": "识别标准"},
    statuses={
        "exited_with_policy": "已脱贫(享受政策)",
        "exited_no_policy": "已脱贫(不再享受政策)",
        "removed": "注销",
        "returned": "返贫",
    },
)


def locked_fields(current: Mapping[str, Any], sent: Mapping[str, Any]) -> list[str]:
    """The locked fields whose sent value differs from the current one (sending the same value changes nothing)."""
    return [name for name in LOCKED.fields if name in sent and sent[name] != current.get(name)]


def locked_move(source: str, target: str) -> bool:
    return source in LOCKED.statuses or target in LOCKED.statuses
