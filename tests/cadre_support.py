"""Helpers of the cadre and evidence tests: cadres, pairings, cadre-linked logins and visits through the API."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests import factories
from tests.conftest import Api, unique_suffix

DEMO_VILLAGE = factories.DEMO_VILLAGE
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 300
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def today() -> str:
    return date.today().isoformat()


def days_ago(n: int) -> str:
    return (date.today() - timedelta(days=n)).isoformat()


def households(api: Api, n: int, *, region: str = DEMO_VILLAGE, user: str = "township") -> list[dict[str, Any]]:
    r = api.get(
        user,
        "/api/v1/households",
        params={
            "region": region,
            "limit": n,
            "status": ["not_exited", "exited_with_policy", "exited_no_policy", "returned"],
        },
    )
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    assert len(items) == n
    return items


def new_cadre(api: Api, kind: str = "paired", *, user: str = "township", **overrides: Any) -> dict[str, Any]:
    r = api.post(user, "/api/v1/cadres", json=factories.cadre(kind, **overrides))
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


def assign(api: Api, cadre_id: str, *, user: str = "township", **body: Any) -> dict[str, Any]:
    body.setdefault("starts_on", days_ago(30))
    r = api.post(user, f"/api/v1/cadres/{cadre_id}/assignments", json=body)
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


def cadre_login(api: Api, cadre_id: str, *, region: str = "220382102000") -> str:
    """A new login of role cadre linked to the cadre; returns its username (password fupin-demo)."""
    username = f"cadre_{unique_suffix()}"
    r = api.post(
        "admin",
        "/api/v1/users",
        json={
            "username": username,
            "password": "fupin-demo",
            "display_name": "帮扶干部",
            "roles": ["cadre"],
            "region_code": region,
            "cadre_id": cadre_id,
        },
    )
    assert r.status_code == 201, r.text
    return username


def visit(api: Api, cadre_id: str, household_id: str, *, user: str = "township", **overrides: Any) -> dict[str, Any]:
    body = {
        "cadre_id": cadre_id,
        "household_id": household_id,
        "visited_on": days_ago(1),
        "content": "入户走访, 了解收入",
    }
    body.update(overrides)
    r = api.post(user, "/api/v1/visits", json=body)
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


def upload(
    api: Api,
    user: str,
    *,
    owner_id: str,
    content: bytes = JPEG,
    filename: str = "photo.jpg",
    owner_type: str = "visit",
    media: str = "image/jpeg",
) -> Any:
    return api.post(
        user,
        "/api/v1/evidence",
        data={"owner_type": owner_type, "owner_id": owner_id},
        files={"file": (filename, content, media)},
    )
