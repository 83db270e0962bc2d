"""Login, refresh rotation with reuse detection, logout, rate limiting, API keys and masking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests import factories
from tests.conftest import Api

TOKEN = "/api/v1/auth/token"


def login(client: TestClient, username: str = "township", password: str = "fupin-demo") -> dict[str, str]:
    r = client.post(TOKEN, data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return r.json()


def test_login_and_me(client: TestClient) -> None:
    tokens = login(client)
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 15 * 60
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    assert me["username"] == "township" and me["region_code"] == "220382102000" and me["region_name"] == "卧虎镇"
    assert "households:write" in me["permissions"] and "audit:read" not in me["permissions"]
    assert me["role_labels"] == ["乡镇"]


def test_wrong_password_and_unknown_user_look_the_same(client: TestClient) -> None:
    a = client.post(TOKEN, data={"username": "township", "password": "wrong"})
    b = client.post(TOKEN, data={"username": "nobody", "password": "wrong"})
    assert a.status_code == b.status_code == 401
    assert a.json()["code"] == b.json()["code"] == "auth.invalid_credentials"


def test_login_rate_limited(client: TestClient) -> None:
    for _ in range(10):
        assert client.post(TOKEN, data={"username": "village", "password": "wrong"}).status_code == 401
    r = client.post(TOKEN, data={"username": "village", "password": "fupin-demo"})
    assert r.status_code == 429 and r.json()["code"] == "auth.rate_limited"
    assert int(r.headers["Retry-After"]) >= 1


def test_refresh_rotates_and_reuse_revokes_the_session(client: TestClient) -> None:
    first = login(client)
    second = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    second_tokens = second.json()
    assert second_tokens["refresh_token"] != first["refresh_token"]
    # the old refresh token comes back: someone copied it; the whole session is revoked
    replay = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401 and replay.json()["code"] == "auth.invalid_refresh_token"
    again = client.post("/api/v1/auth/refresh", json={"refresh_token": second_tokens["refresh_token"]})
    assert again.status_code == 401


def test_logout_revokes_refresh(client: TestClient) -> None:
    tokens = login(client)
    assert client.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]}).status_code == 204
    r = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 401


def test_expired_and_tampered_access_tokens(client: TestClient) -> None:
    from fupin.core.security import create_access_token

    token, _ = create_access_token("x", {"typ": "access", "uid": 1, "roles": ["admin"]}, minutes=-1)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    good = login(client)["access_token"]
    header, payload, sig = good.split(".")
    forged = f"{header}.{payload[:-2]}AA.{sig}"
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    none_alg = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + payload + "."
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {none_alg}"}).status_code == 401


def test_api_key_lifecycle(api: Api) -> None:
    body = {
        "name": "省平台同步",
        "roles": ["integration"],
        "region_code": "220382000000",
        "pii": False,
        "scopes": ["households:read", "changes:read"],
    }
    r = api.post("admin", "/api/v1/api-keys", json=body)
    assert r.status_code == 201, r.text
    created = r.json()
    key = created["key"]
    assert key.startswith("fp_") and created["prefix"] == key[:10]
    listed = api.get("admin", "/api/v1/api-keys").json()["items"]
    assert all("key" not in k for k in listed)  # shown once
    headers = {"Authorization": f"Bearer {key}"}
    page = api.client.get("/api/v1/households", headers=headers, params={"limit": 5})
    assert page.status_code == 200
    assert all(i["village_code"].startswith("220382") for i in page.json()["items"])
    assert "*" in page.json()["items"][0]["head_id_number"]  # no personal-data permission: masked
    # the scopes narrow the role: integration may write, this key may not
    r = api.client.post("/api/v1/households", headers=headers, json=factories.household())
    assert r.status_code == 403
    assert api.delete("admin", f"/api/v1/api-keys/{created['id']}").status_code == 204
    assert api.client.get("/api/v1/households", headers=headers).status_code == 401


def test_expired_api_key_and_grants_beyond_own(api: Api) -> None:
    soon = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    r = api.post("admin", "/api/v1/api-keys", json={"name": "x", "roles": ["integration"], "expires_at": soon})
    assert r.status_code == 422
    # a city office cannot mint an admin key or one outside its city
    r = api.post(
        "city_office",
        "/api/v1/api-keys",
        json={"name": "x", "roles": ["admin"], "region_code": "220300000000"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/roles"
    r = api.post("township", "/api/v1/api-keys", json={"name": "x", "roles": ["village"]})
    assert r.status_code == 403


def test_users_created_within_scope(api: Api) -> None:
    body = {
        "username": "wuhu-clerk",
        "password": "long-enough-1",
        "display_name": "卧虎镇录入员",
        "roles": ["village"],
        "region_code": "220382102201",
        "pii": False,
    }
    r = api.post("city_office", "/api/v1/users", json=body)
    assert r.status_code == 201, r.text
    assert api.post("city_office", "/api/v1/users", json=body).status_code == 409
    tokens = api.client.post(TOKEN, data={"username": "wuhu-clerk", "password": "long-enough-1"}).json()
    me = api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    assert me["region_code"] == "220382102201" and me["pii"] is False
    outside = {**body, "username": "other", "region_code": "220100000000"}
    assert api.post("city_office", "/api/v1/users", json=outside).status_code == 422
    assert api.get("township", "/api/v1/users").status_code == 403


def test_masking_without_personal_data_permission(api: Api) -> None:
    masked = api.get("inspector", "/api/v1/households", params={"limit": 3}).json()["items"]
    listed = api.get("admin", "/api/v1/households", params={"limit": 3}).json()["items"]
    assert [m["id"] for m in masked] == [c["id"] for c in listed]
    detail = api.get("inspector", f"/api/v1/households/{masked[0]['id']}").json()
    full = api.get("admin", f"/api/v1/households/{masked[0]['id']}").json()
    head = next(m for m in full["members"] if m["is_head"])
    # lists mask for everyone; full numbers come one household at a time
    assert (
        masked[0]["head_id_number"]
        == listed[0]["head_id_number"]
        == head["id_number"][:6] + "********" + head["id_number"][-4:]
    )
    assert detail["pii_masked"] is True and full["pii_masked"] is False
    assert detail["phone"] != full["phone"] and detail["phone"].endswith(full["phone"][-4:])
    assert detail["bank_account"].endswith(full["bank_account"][-4:]) and "*" in detail["bank_account"]
    for m in detail["members"]:
        assert m["health"] is None and m["birth_date"] is None and "*" in m["id_number"]
    # no unmasked number anywhere in the response body
    for m in full["members"]:
        assert m["id_number"] not in str(detail)
    # the unmasked read left a trace; the masked one did not
    trail = api.get(
        "auditor", "/api/v1/audit-events", params={"entity_id": full["id"], "action": "household.personal_data_read"}
    ).json()
    assert [e["actor_name"] for e in trail["items"]] == ["系统管理员"]
    # filtering by health condition would reveal health details
    r = api.get("inspector", "/api/v1/households", params={"member_health": "serious"})
    assert r.status_code == 403


def test_area_roles_need_a_region_of_their_level(api: Api) -> None:
    base = {"name": "k", "scopes": ["households:read"]}
    r = api.post("admin", "/api/v1/api-keys", json={**base, "roles": ["township"]})
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/region_code"
    r = api.post("admin", "/api/v1/api-keys", json={**base, "roles": ["township"], "region_code": "220382000000"})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "user.region_level_mismatch"
    r = api.post("admin", "/api/v1/api-keys", json={**base, "roles": ["township"], "region_code": "220382102000"})
    assert r.status_code == 201
    r = api.post("admin", "/api/v1/api-keys", json={**base, "roles": ["auditor"]})
    assert r.status_code == 201
    user = {"username": "no-area", "password": "long-enough-1", "display_name": "x", "roles": ["county_office"]}
    assert api.post("admin", "/api/v1/users", json=user).status_code == 422
