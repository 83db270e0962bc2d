"""Dashboard figures agree with the household list."""

from __future__ import annotations

from tests.conftest import Api


def test_summary_matches_the_list(api: Api) -> None:
    summary = api.get("township", "/api/v1/stats/summary").json()
    assert summary["region_code"] == "220382102000"
    for bucket in summary["by_status"]:
        listed = api.get(
            "township", "/api/v1/households", params={"status": bucket["code"], "include_total": True, "limit": 1}
        ).json()
        assert listed["total"] == bucket["households"], bucket
    total = api.get("township", "/api/v1/households", params={"include_total": True, "limit": 1}).json()["total"]
    assert summary["households"] == total == sum(b["households"] for b in summary["by_attribute"])
    assert summary["people"] == sum(b["people"] for b in summary["by_main_cause"])
    for year in summary["exits_by_year"]:
        exited = api.get(
            "township",
            "/api/v1/households",
            params={
                "exit_year": year["year"],
                "status": ["exited_with_policy", "exited_no_policy"],
                "include_total": True,
            },
        ).json()["total"]
        assert exited == year["households"]
    villages = summary["poor_villages"]
    assert villages and all(v["code"].startswith("220382102") for v in villages)
    for v in villages:
        listed = api.get(
            "township", "/api/v1/households", params={"region": v["code"], "include_total": True, "limit": 1}
        ).json()["total"]
        assert listed == v["households"]
    # a county sees more than one of its townships
    county = api.get("county_office", "/api/v1/stats/summary").json()
    assert county["households"] > summary["households"]
