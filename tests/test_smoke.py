from tests.conftest import Api


def test_login_and_list(api: Api) -> None:
    r = api.get("township", "/api/v1/households", params={"limit": 5})
    assert r.status_code == 200
    assert len(r.json()["items"]) == 5
