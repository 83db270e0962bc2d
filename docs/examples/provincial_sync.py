"""A provincial platform's sync with Fupin: a full export, then the change feed from the export's position, then a
reconciliation that proves both sides hold the same register.

    python docs/examples/provincial_sync.py full       # export the area into the mirror (state file)
    python docs/examples/provincial_sync.py follow     # apply the change feed since the mirror's position
    python docs/examples/provincial_sync.py reconcile  # compare the mirror with Fupin; exit 1 on any difference
    python docs/examples/provincial_sync.py sync       # follow (or full when there is no mirror yet), reconcile

Settings (environment): FUPIN_URL (default http://127.0.0.1:8000), FUPIN_KEY (an API key of the integration role)
or FUPIN_USER + FUPIN_PASSWORD, FUPIN_REGION (the area to mirror: a county, township or village code; default the
caller's whole area), FUPIN_STATE (the mirror file, default provincial-mirror.json).

The mirror here is a JSON file of households keyed by id, each with its version; a real platform keeps them in its
own database. Needs only httpx."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

BASE = os.environ.get("FUPIN_URL", "http://127.0.0.1:8000")
REGION = os.environ.get("FUPIN_REGION") or None
STATE = Path(os.environ.get("FUPIN_STATE", "provincial-mirror.json"))
OUT_OF_THE_REGISTER = {"removed"}


def connect() -> httpx.Client:
    api = httpx.Client(base_url=BASE, timeout=120)
    key = os.environ.get("FUPIN_KEY")
    if key:
        api.headers["Authorization"] = f"Bearer {key}"
    else:
        r = api.post(
            "/api/v1/auth/token",
            data={"username": os.environ["FUPIN_USER"], "password": os.environ["FUPIN_PASSWORD"]},  # an OAuth2 form
        )
        check(r)
        api.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
    return api


def check(r: httpx.Response) -> None:
    """Fupin answers every error as problem+json: a stable `code`, a `detail`, field `errors` with pointers."""
    if r.status_code >= 400:
        try:
            problem = r.json()
        except ValueError:
            r.raise_for_status()
        raise SystemExit(f"{r.status_code} {problem.get('code')}: {problem.get('detail')} {problem.get('errors')}")


def load() -> dict[str, Any]:
    return json.loads(STATE.read_text(encoding="utf-8")) if STATE.exists() else {}


def save(mirror: dict[str, Any]) -> None:
    tmp = STATE.with_suffix(".tmp")
    tmp.write_text(json.dumps(mirror, ensure_ascii=False), encoding="utf-8")
    tmp.replace(STATE)


def full(api: httpx.Client) -> dict[str, Any]:
    """The whole area as NDJSON (one household per line, members nested), with the feed position of its snapshot."""
    params = {"format": "ndjson", **({"region": REGION} if REGION else {})}
    households: dict[str, Any] = {}
    with api.stream("GET", "/api/v1/households/export", params=params) as r:
        if r.status_code == 413:
            raise SystemExit("the area is too large for a direct export: run it as a job (POST /api/v1/exports)")
        if r.status_code >= 400:
            r.read()
            check(r)
        position = r.headers["X-Fupin-Changes-Position"]
        for line in r.iter_lines():
            if line.strip():
                record = json.loads(line)
                # a 注销 household is kept in Fupin as history, but it has left the register: the feed tombstones it
                if record["status"] not in OUT_OF_THE_REGISTER:
                    households[record["id"]] = record
    mirror = {"region": REGION, "position": position, "households": households}
    save(mirror)
    print(f"full export: {len(households)} households, position {position[:12]}…")
    return mirror


def household_of(change: dict[str, Any]) -> str | None:
    """The household a feed entry concerns: the household itself, or the one a member or yearly record belongs to."""
    if change["entity_type"] == "household":
        return str(change["entity_id"])
    return change.get("household_id")


def follow(api: httpx.Client, mirror: dict[str, Any]) -> dict[str, Any]:
    """Apply every change after the mirror's position: re-read each touched household once per page."""
    applied = 0
    while True:
        r = api.get("/api/v1/changes", params={"after": mirror["position"], "limit": 1000})
        if r.status_code == 410:
            print("the position is older than the feed's retention: resync with a full export")
            return full(api)
        check(r)
        page = r.json()
        touched: dict[str, bool] = {}
        for change in page["items"]:
            household_id = household_of(change)
            if household_id is None:
                continue
            # a tombstone: the household left this area (moved away or 注销); drop it from the mirror
            touched[household_id] = bool(change.get("tombstone")) and change["entity_type"] == "household"
        for household_id, gone in touched.items():
            if gone:
                mirror["households"].pop(household_id, None)
                continue
            detail = api.get(f"/api/v1/households/{household_id}")
            if detail.status_code == 404:  # outside the area now
                mirror["households"].pop(household_id, None)
                continue
            check(detail)
            record = detail.json()
            if record["status"] in OUT_OF_THE_REGISTER:
                mirror["households"].pop(household_id, None)
            elif REGION is None or record["village_code"].startswith(REGION.rstrip("0")):
                mirror["households"][household_id] = record
            else:
                mirror["households"].pop(household_id, None)
        applied += len(page["items"])
        mirror["position"] = page["next_after"]
        save(mirror)
        if not page["items"]:
            break
    print(f"followed the feed: {applied} changes, {len(mirror['households'])} households in the mirror")
    return mirror


def reconcile(api: httpx.Client, mirror: dict[str, Any]) -> bool:
    """Send (id, version) of every mirrored household as an NDJSON stream (any size: a whole county); Fupin
    answers what it lacks, what we lack, and what differs."""
    region = mirror.get("region") or me_region(api)

    def items() -> Iterator[bytes]:
        for h in mirror["households"].values():
            yield (json.dumps({"id": h["id"], "version": h["version"]}) + "\n").encode()

    r = api.post(
        "/api/v1/reconcile",
        params={"entity": "households", "region_code": region},
        content=items(),
        headers={"Content-Type": "application/x-ndjson"},
    )
    check(r)
    answer = r.json()
    missing_here, missing_there, differing = answer["missing_here"], answer["missing_there"], answer["differing"]
    agreed = not (missing_here or missing_there or differing)
    print(
        f"reconcile: {len(mirror['households'])} households sent; missing in Fupin {len(missing_here)}, "
        f"missing in the mirror {len(missing_there)}, differing {len(differing)}"
    )
    for label, rows in (("missing in Fupin", missing_here), ("missing in the mirror", missing_there)):
        for row in rows[:10]:
            print(f"  {label}: {row}")
    for row in differing[:10]:
        print(f"  differing: {row}")
    print("in agreement" if agreed else "NOT in agreement")
    return agreed


def me_region(api: httpx.Client) -> str:
    r = api.get("/api/v1/me")
    check(r)
    return str(r.json().get("region_code") or "")


def main(argv: list[str]) -> int:
    step = argv[1] if len(argv) > 1 else "sync"
    with contextlib.closing(connect()) as api:
        if step == "full":
            full(api)
            return 0
        mirror = load()
        if not mirror:
            mirror = full(api)
        if step in ("follow", "sync"):
            mirror = follow(api, mirror)
        if step in ("reconcile", "sync"):
            return 0 if reconcile(api, mirror) else 1
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
