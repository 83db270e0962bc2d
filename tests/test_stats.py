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


def test_summary_stays_exact_through_every_kind_of_write(api: Api, database_url: str) -> None:
    from sqlalchemy import text

    from fupin.households import stats
    from fupin.seed.bulk import sync_engine
    from tests import factories

    hh = "/api/v1/households"
    h = api.post("township", hh, json=factories.household()).json()
    version = {"If-Match": f'"{h["version"]}"'}
    h = api.patch(
        "township", f"{hh}/{h['id']}", json={"attribute": "dibao", "main_cause": "02"}, headers=version
    ).json()
    baby = api.post("township", f"{hh}/{h['id']}/members", json=factories.member("03", reason="newborn")).json()
    api.delete(
        "township",
        f"{hh}/{h['id']}/members/{baby['id']}",
        params={"reason": "death"},
        headers={"If-Match": f'"{baby["version"]}"'},
    )
    api.put("township", f"{hh}/{h['id']}/incomes/2020", json={"wage_income": "20000"})
    ok = dict.fromkeys(
        ("food_clothing", "compulsory_education", "basic_medical", "safe_housing", "safe_drinking_water"), True
    )
    api.put("township", f"{hh}/{h['id']}/assessments/2020", json=ok)
    etag = api.get("township", f"{hh}/{h['id']}").headers["ETag"]
    r = api.post(
        "township",
        f"{hh}/{h['id']}/status-transitions",
        json={"to_status": "exited_with_policy", "reason": "达标", "year": 2020},
        headers={"If-Match": etag},
    )
    assert r.status_code == 200, r.text
    moved = api.post("township", hh, json=factories.household()).json()
    api.patch(
        "township",
        f"{hh}/{moved['id']}",
        json={"village_code": "220382102202"},
        headers={"If-Match": f'"{moved["version"]}"'},
    )

    engine = sync_engine(database_url)
    with engine.connect() as conn:
        kept = sorted(
            tuple(r)
            for r in conn.execute(
                text(
                    "SELECT village_code, dimension, value, households, people FROM household_stats "
                    "WHERE households <> 0"
                )
            )
        )
        negative = conn.execute(
            text("SELECT COUNT(*) FROM household_stats WHERE households < 0 OR people < 0")
        ).scalar_one()
        stats.rebuild(conn)
        live = sorted(
            tuple(r)
            for r in conn.execute(
                text(
                    "SELECT village_code, dimension, value, households, people FROM household_stats "
                    "WHERE households <> 0"
                )
            )
        )
        conn.rollback()
    engine.dispose()
    assert kept == live
    assert negative == 0
    summary = api.get("township", "/api/v1/stats/summary").json()
    assert {"code": "exited_with_policy"}.items() <= next(
        b for b in summary["by_status"] if b["code"] == "exited_with_policy"
    ).items()
    assert 2020 in [y["year"] for y in summary["exits_by_year"]]
