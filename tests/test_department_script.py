"""docs/examples/department_measures.py against a live server on SQLite: a department's CSV (GB18030, as Excel
writes it) batch-upserted, a result per row printed; the refused rows change nothing, a second run changes
nothing at all, an edited row updates its measure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from fupin.config import PROJECT_ROOT
from tests.test_provincial_sync import live  # noqa: F401  (the live server fixture)

SCRIPT = PROJECT_ROOT / "docs" / "examples" / "department_measures.py"

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("FUPIN_TEST_DATABASE_URL")), reason="the example runs against a live server on SQLite"
)
HEADER = "外部编号,贫困户ID,身份证号,成员ID,措施类型,措施内容,年度,金额,计划完成日期,状态,完成日期"


def _token(base: str, user: str) -> str:
    r = httpx.post(f"{base}/api/v1/auth/token", data={"username": user, "password": "fupin-demo"})
    r.raise_for_status()
    return str(r.json()["access_token"])


def _run(base: str, csv_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FUPIN_URL": base, "FUPIN_USER": "department", "FUPIN_PASSWORD": "fupin-demo"}
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(csv_path)], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_department_script_upserts_its_csv(live: str, tmp_path: Path) -> None:  # noqa: F811
    township = {"Authorization": f"Bearer {_token(live, 'township')}"}
    households = httpx.get(
        f"{live}/api/v1/households", params={"limit": 2, "status": "not_exited"}, headers=township
    ).json()["items"]
    first, second = households[0]["id"], households[1]["id"]
    members = httpx.get(f"{live}/api/v1/households/{first}/members", headers=township).json()["items"]
    by_number = members[0]["id_number"]  # the township holds the personal-data permission
    rows = [
        f"WJW-1,{first},,{members[0]['id']},健康,家庭医生签约服务,2018,1500.00,2018-10-31,已完成,2018-09-15",
        f"WJW-2,,{by_number},,health,慢病门诊报销,2018,,2018-11-30,,",
        f"WJW-3,{second},,,教育,越界登记,2018,,2018-09-01,,",  # another department's type: 403
        f"WJW-4,{second},,,健康,金额有误,2018,-5,2018-09-01,,",  # a negative amount: 422
    ]
    path = tmp_path / "measures.csv"
    path.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode("gb18030"))
    run = _run(live, path)
    assert run.returncode == 1, run.stdout + run.stderr
    lines = [line for line in run.stdout.splitlines() if line.startswith("row")]
    assert len(lines) == 4, run.stdout
    assert "201 created" in lines[0] and "201 created" in lines[1]
    assert "403 failed" in lines[2] and "measures.department_field" in lines[2]
    assert "422 failed" in lines[3] and "/amount" in lines[3]
    assert "summary: created 2, failed 2" in run.stdout
    listed = httpx.get(f"{live}/api/v1/households/{first}/measures", headers=township).json()["items"]
    mine = {m["external_id"]: m for m in listed if m["source_system"] == "health"}
    assert set(mine) == {"WJW-1", "WJW-2"}
    assert mine["WJW-1"]["status"] == "done" and mine["WJW-1"]["amount"] == "1500.00"
    assert mine["WJW-1"]["member_id"] == members[0]["id"] and mine["WJW-2"]["member_id"] is None
    others = httpx.get(f"{live}/api/v1/households/{second}/measures", headers=township).json()["items"]
    assert all(m["source_system"] != "health" for m in others)  # the refused rows saved nothing
    # the same file again: nothing changes; an edited row updates its measure
    again = _run(live, path)
    assert "summary: failed 2, unchanged 2" in again.stdout, again.stdout
    path.write_bytes(
        ("\r\n".join([HEADER, rows[0], rows[1].replace("慢病门诊报销", "慢病门诊报销并送药上门")]) + "\r\n").encode(
            "gb18030"
        )
    )
    edited = _run(live, path)
    assert edited.returncode == 0, edited.stdout + edited.stderr
    assert "summary: unchanged 1, updated 1" in edited.stdout
    out = httpx.get(f"{live}/api/v1/measures/{mine['WJW-2']['id']}", headers=township).json()
    assert out["content"] == "慢病门诊报销并送药上门" and out["version"] == 2
