"""A line department's script: read its measures (帮扶措施) from a CSV, upsert them into Fupin in batches, print
the result of every row.

    python docs/examples/department_measures.py measures.csv

The CSV (UTF-8, with or without BOM, or GB18030 as Excel writes it on a Chinese Windows) has a header row:

    外部编号    the department's own key of the measure (required; the same key again updates the same measure)
    贫困户ID    the household's id in Fupin (the `id` column of the household export), or leave it empty and give
    身份证号    the ID number of a member of the household (the household is looked up by it)
    成员ID      optional: the member the measure is for (the `member_id` column of the household export)
    措施类型    a measure_type code or its label (健康, 教育 ...)
    措施内容    what is done
    年度        the year
    金额        yuan, e.g. 1500.00 (optional)
    计划完成日期  YYYY-MM-DD
    状态        planned / in_progress / done or 计划 / 实施中 / 已完成 (optional, default planned)
    完成日期    YYYY-MM-DD, required when done

Settings (environment): FUPIN_URL (default http://127.0.0.1:8000), FUPIN_KEY (an API key of the department role
with its department set) or FUPIN_USER + FUPIN_PASSWORD, FUPIN_SOURCE (the source_system of the keys, default
the department's code). Rows go in batches of up to 1,000 (`POST /api/v1/measures/batch`); each row is upserted on
its own, so a refused row (another department's type: 403, a household outside the area: 404, a bad field: 422)
changes nothing and the others are saved. Exit status 1 when any row failed. Needs only httpx."""

from __future__ import annotations

import csv
import io
import os
import sys
from pathlib import Path
from typing import Any

import httpx

BASE = os.environ.get("FUPIN_URL", "http://127.0.0.1:8000")
BATCH = 1000
COLUMNS = {
    "外部编号": "external_id",
    "贫困户ID": "household_id",
    "身份证号": "id_number",
    "成员ID": "member_id",
    "措施类型": "type",
    "措施内容": "content",
    "年度": "year",
    "金额": "amount",
    "计划完成日期": "planned_on",
    "状态": "status",
    "完成日期": "done_on",
}


def connect() -> httpx.Client:
    api = httpx.Client(base_url=BASE, timeout=120)
    key = os.environ.get("FUPIN_KEY")
    if key:
        api.headers["Authorization"] = f"Bearer {key}"
    else:
        r = api.post(
            "/api/v1/auth/token",
            data={"username": os.environ["FUPIN_USER"], "password": os.environ["FUPIN_PASSWORD"]},
        )
        r.raise_for_status()
        api.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
    return api


def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")
    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        rows.append({COLUMNS[k.strip()]: (v or "").strip() for k, v in row.items() if k and k.strip() in COLUMNS})
    return rows


def codes(api: httpx.Client, table: str) -> dict[str, str]:
    """Label or code → code."""
    r = api.get(f"/api/v1/codes/{table}")
    r.raise_for_status()
    out: dict[str, str] = {}
    for entry in r.json()["items"]:
        out[entry["code"]] = entry["code"]
        out[entry["zh"]] = entry["code"]
    return out


def household_of(api: httpx.Client, id_number: str, cache: dict[str, str | None]) -> str | None:
    if id_number not in cache:
        r = api.get("/api/v1/households", params={"q": id_number, "limit": 1})
        items = r.json().get("items", []) if r.status_code == 200 else []
        cache[id_number] = items[0]["id"] if items else None
    return cache[id_number]


def item_of(
    api: httpx.Client, row: dict[str, str], source: str, maps: dict[str, dict[str, str]], cache: dict[str, str | None]
) -> dict[str, Any]:
    """The batch item of a CSV row (values the server checks are passed on as they are)."""
    household = row.get("household_id") or (
        household_of(api, row["id_number"], cache) if row.get("id_number") else None
    )
    item: dict[str, Any] = {
        "source_system": source,
        "external_id": row.get("external_id", ""),
        "household_id": household or "",
        "type": maps["measure_type"].get(row.get("type", ""), row.get("type", "")),
        "content": row.get("content", ""),
        "year": int(row["year"]) if row.get("year", "").isdigit() else row.get("year"),
        "planned_on": row.get("planned_on", ""),
    }
    for name in ("member_id", "amount", "done_on"):
        if row.get(name):
            item[name] = row[name]
    if row.get("status"):
        item["status"] = maps["measure_status"].get(row["status"], row["status"])
    return item


def describe(result: dict[str, Any]) -> str:
    if result["outcome"] != "failed":
        return f"{result['status']} {result['outcome']:<9} {result['id']} (version {result['version']})"
    problem = result["problem"] or {}
    fields = "; ".join(f"{e['pointer']} {e['code']}: {e['message']}" for e in problem.get("errors", []))
    return f"{result['status']} failed    {problem.get('code')} {fields or problem.get('detail') or ''}".rstrip()


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    rows = read_csv(Path(argv[1]))
    api = connect()
    me = api.get("/api/v1/me").json()
    source = os.environ.get("FUPIN_SOURCE") or me.get("department") or "department"
    maps = {table: codes(api, table) for table in ("measure_type", "measure_status")}
    cache: dict[str, str | None] = {}
    items = [item_of(api, row, source, maps, cache) for row in rows]
    failed = 0
    counts: dict[str, int] = {}
    for start in range(0, len(items), BATCH):
        r = api.post("/api/v1/measures/batch", json={"items": items[start : start + BATCH]})
        if r.status_code != 200:
            last = start + 1 + len(items[start : start + BATCH])
            print(f"batch of rows {start + 2}-{last} refused: {r.status_code} {r.text}")
            return 1
        for result in r.json()["results"]:
            line = start + result["index"] + 2  # the header is line 1
            print(f"row {line:>5}  {items[start + result['index']]['external_id']:<20} {describe(result)}")
            counts[result["outcome"]] = counts.get(result["outcome"], 0) + 1
            failed += result["outcome"] == "failed"
    print("summary: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
