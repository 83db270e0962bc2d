"""A minimal Fupin client: idempotent create, conditional update, change feed."""

from __future__ import annotations

import os
import uuid

import httpx

BASE = os.environ.get("FUPIN_URL", "http://127.0.0.1:8000")
KEY = os.environ["FUPIN_KEY"]  # an API key with the integration role


def main() -> None:
    with httpx.Client(base_url=BASE, headers={"Authorization": f"Bearer {KEY}"}, timeout=30) as api:
        body = {
            "village_code": "220382102201",
            "attribute": "general",
            "main_cause": "01",
            "first_identified_on": "2016-05-10",
            "members": [{"name": "王建国", "id_number": "650102197001010018", "relation": "01"}],
        }
        key = str(uuid.uuid4())
        r = api.post("/api/v1/households", json=body, headers={"Idempotency-Key": key})
        if r.status_code >= 400:
            problem = r.json()
            raise SystemExit(f"{problem['code']}: {problem.get('detail')} {problem.get('errors')}")
        household = r.json()
        # a retry after a network error is safe: same key, same answer, nothing created twice
        assert api.post("/api/v1/households", json=body, headers={"Idempotency-Key": key}).json() == household

        r = api.patch(
            f"/api/v1/households/{household['id']}",
            json={"address": "3组18号"},
            headers={"If-Match": r.headers["ETag"]},
        )
        r.raise_for_status()

        after = 0
        while True:
            page = api.get("/api/v1/changes", params={"after": after, "limit": 1000}).json()
            for change in page["items"]:
                print(change["seq"], change["entity_type"], change["entity_id"], change["action"])
            if not page["items"]:
                break
            after = page["next_after"]


if __name__ == "__main__":
    main()
