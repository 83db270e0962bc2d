"""Shared helpers of the finding tests: a valid finding, an evidence upload, a fingerprint of what a write of
findings could touch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import Api

F = "/api/v1/findings"
TOWNSHIP = "220382102000"  # 卧虎镇 (user "township")
VILLAGE = "220382102201"  # 东方红村 (user "village")
OTHER_TOWNSHIP = "220382101000"  # 双山镇 (user "township2")
OTHER_COUNTY_VILLAGE = "220322100201"  # a village of another county of the city
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def body(**overrides: Any) -> dict[str, Any]:
    return {
        "source": "provincial_inspection",
        "batch": "2024年省委第一轮巡视",
        "category": "precision",
        "severity": "general",
        "timeframe": "short",
        "description": "部分贫困户识别不精准, 收入核算有误",
        "region_code": TOWNSHIP,
        "lead_unit": "县扶贫办",
        "responsible_unit": "卧虎镇人民政府",
        "responsible_person": "李镇长",
        "raised_on": "2024-03-01",
        "deadline": "2024-06-30",
        **overrides,
    }


def raise_finding(api: Api, user: str = "inspector", **overrides: Any) -> dict[str, Any]:
    r = api.post(user, F, json=body(**overrides))
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


def upload(api: Api, user: str, finding_id: str) -> dict[str, Any]:
    r = api.post(
        user,
        "/api/v1/evidence",
        data={"owner_type": "finding", "owner_id": finding_id},
        files={"file": ("p.jpg", JPEG, "image/jpeg")},
    )
    assert r.status_code == 201, r.text
    uploaded: dict[str, Any] = r.json()
    return uploaded


def move(api: Api, user: str, finding_id: str, **payload: Any) -> Any:
    return api.post(user, f"{F}/{finding_id}/transitions", json=payload)


def fingerprint(db: Callable[..., list[Any]]) -> tuple[Any, ...]:
    return (
        db("SELECT COUNT(*), COALESCE(SUM(version), 0) FROM findings"),
        db("SELECT id, state, number, version FROM findings ORDER BY id"),
        db("SELECT year, last_value FROM finding_counters ORDER BY year"),
        db("SELECT COUNT(*) FROM finding_links"),
        db("SELECT COUNT(*), COALESCE(SUM(version), 0) FROM finding_tasks"),
        db("SELECT COUNT(*) FROM finding_steps"),
        db("SELECT COUNT(*) FROM evidence"),
        db("SELECT COUNT(*) FROM audit_events"),
        db("SELECT COUNT(*) FROM change_feed"),
    )


def refused(r: Any, status: int, code: str, pointer: str) -> None:
    """A problem+json answer with `code` at `pointer` (a body-model rule answers `validation_failed` with the
    rule's code on the field)."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    errors = {(e["pointer"], e["code"]) for e in r.json()["errors"]}
    assert (pointer, code) in errors, r.text
