"""docs/examples/provincial_sync.py against a live server on SQLite: a full export, writes by an office, the
feed followed from the export's position, and a reconciliation that ends in agreement; a tampered mirror does not."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fupin.config import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "docs" / "examples" / "provincial_sync.py"
FUPIN = Path(sys.executable).with_name("fupin")

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("FUPIN_TEST_DATABASE_URL")), reason="the example runs against a live server on SQLite"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("live")
    env = {
        **os.environ,
        "FUPIN_DATABASE_URL": f"sqlite+aiosqlite:///{directory / 'live.db'}",
        "FUPIN_DEMO": "1",
    }
    for args in (["migrate"], ["seed", "--households", "120"]):
        subprocess.run([str(FUPIN), *args], cwd=PROJECT_ROOT, env=env, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen(
        [str(FUPIN), "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            raise RuntimeError("the live server did not start")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


def _sync(base: str, state: Path, step: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "FUPIN_URL": base,
        "FUPIN_USER": "integration",
        "FUPIN_PASSWORD": "fupin-demo",
        "FUPIN_STATE": str(state),
    }
    return subprocess.run(
        [sys.executable, str(SCRIPT), step], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def _login(base: str, username: str) -> httpx.Client:
    api = httpx.Client(base_url=base, timeout=30)
    token = api.post("/api/v1/auth/token", data={"username": username, "password": "fupin-demo"}).json()
    api.headers["Authorization"] = f"Bearer {token['access_token']}"
    return api


def test_full_export_feed_and_reconcile_end_in_agreement(live: str, tmp_path: Path) -> None:
    state = tmp_path / "mirror.json"
    first = _sync(live, state, "full")
    assert first.returncode == 0, first.stdout + first.stderr
    exported = json.loads(state.read_text(encoding="utf-8"))["households"]
    assert len(exported) > 50

    # an office works meanwhile: an update, a new member, a new household
    with contextlib.closing(_login(live, "township")) as office:
        params = {"limit": 3, "status": "not_exited"}
        page = office.get("/api/v1/households", params=params).json()["items"]
        target = page[0]["id"]
        r = office.get(f"/api/v1/households/{target}")
        patched = office.patch(
            f"/api/v1/households/{target}", json={"address": "同步测试 8 号"}, headers={"If-Match": r.headers["ETag"]}
        )
        assert patched.status_code == 200, patched.text
        added = office.post(
            f"/api/v1/households/{page[1]['id']}/members",
            json={"name": "同步新生", "id_number": "220382202001010233", "relation": "03", "reason": "newborn"},
        )
        assert added.status_code == 201, added.text

    followed = _sync(live, state, "sync")
    assert followed.returncode == 0, followed.stdout + followed.stderr
    assert "in agreement" in followed.stdout
    mirror = json.loads(state.read_text(encoding="utf-8"))["households"]
    assert mirror[target]["address"] == "同步测试 8 号"
    assert any(m["name"] == "同步新生" for m in mirror[page[1]["id"]]["members"])

    # a mirror that missed a change is told so
    tampered = json.loads(state.read_text(encoding="utf-8"))
    tampered["households"][target]["version"] -= 1
    removed = next(iter(k for k in tampered["households"] if k != target))
    del tampered["households"][removed]
    state.write_text(json.dumps(tampered, ensure_ascii=False), encoding="utf-8")
    checked = _sync(live, state, "reconcile")
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "NOT in agreement" in checked.stdout
    assert "differing 1" in checked.stdout and "missing in the mirror 1" in checked.stdout
