"""Evidence files: upload checked by content and size, SHA-256 kept, attachment-only downloads, scoped like the
record they belong to, nothing stored on any refusal (a full disk included)."""

from __future__ import annotations

import errno
import hashlib
from pathlib import Path
from typing import Any

import pytest

from fupin.config import Settings
from fupin.evidence import storage
from tests.cadre_support import JPEG, PDF, PNG, assign, cadre_login, households, new_cadre, upload, visit
from tests.conftest import Api, app_settings, assert_problem

LIMIT = 4096


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return app_settings(database_url, tmp_path, evidence_max_bytes=LIMIT)


@pytest.fixture
def evidence_root(settings: Settings) -> Path:
    return settings.evidence_root


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def a_visit(api: Api) -> dict[str, Any]:
    cadre = new_cadre(api)
    household = households(api, 1)[0]
    assign(api, cadre["id"], household_id=household["id"])
    return visit(api, cadre["id"], household["id"])


@pytest.mark.parametrize(
    ("content", "media", "name"),
    [(JPEG, "image/jpeg", "走访.jpg"), (PNG, "image/png", "a.png"), (PDF, "application/pdf", "b.pdf")],
)
def test_upload_list_and_download(
    api: Api, a_visit: dict[str, Any], evidence_root: Path, content: bytes, media: str, name: str
) -> None:
    r = upload(
        api, "township", owner_id=a_visit["id"], content=content, filename=name, media="application/octet-stream"
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["content_type"] == media  # judged by content, not by the declared type
    assert body["size"] == len(content)
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["filename"] == name and body["owner_type"] == "visit" and body["owner_id"] == a_visit["id"]
    listed = api.get("township", "/api/v1/evidence", params={"owner_type": "visit", "owner_id": a_visit["id"]})
    assert listed.status_code == 200, listed.text
    assert [i["id"] for i in listed.json()["items"]] == [body["id"]]
    got = api.get("village", body["download_url"])
    assert got.status_code == 200
    assert got.content == content
    assert got.headers["content-type"].startswith(media)
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"].startswith("attachment")
    assert "sandbox" in got.headers["content-security-policy"]
    assert got.headers["x-content-sha256"] == body["sha256"]
    assert [p.read_bytes() for p in stored_files(evidence_root)] == [content]
    # on the household's trail and in the change feed
    trail = api.get("township", f"/api/v1/households/{a_visit['household_id']}/audit-events").json()["items"]
    assert "evidence.added" in [e["action"] for e in trail]
    feed = api.get("admin", "/api/v1/changes", params={"limit": 1000}).json()["items"]
    assert any(e["entity_type"] == "evidence" and e["entity_id"] == body["id"] for e in feed)
    # visits count their files
    page = api.get("township", f"/api/v1/households/{a_visit['household_id']}/visits").json()
    assert page["items"][0]["evidence_count"] == 1


def test_hostile_filename_is_cleaned(api: Api, a_visit: dict[str, Any]) -> None:
    r = upload(api, "township", owner_id=a_visit["id"], filename="../../etc/\u202epasswd.jpg")
    assert r.status_code == 201, r.text
    assert r.json()["filename"] == "passwd.jpg"
    # the extension is the sniffed type's: a JPEG named page.html downloads as page.jpg, never as HTML
    html = upload(api, "township", owner_id=a_visit["id"], filename="page.html")
    assert html.status_code == 201 and html.json()["filename"] == "page.jpg"
    assert 'filename="page.jpg"' in api.get("township", html.json()["download_url"]).headers["content-disposition"]
    got = api.get("township", r.json()["download_url"])
    assert got.headers["content-disposition"].startswith("attachment")


@pytest.mark.parametrize(
    ("content", "name", "media"),
    [
        (b"<html><script>alert(1)</script></html>", "photo.jpg", "image/jpeg"),  # HTML dressed as a photo
        (b"GIF89a" + b"\x00" * 40, "a.gif", "image/gif"),
        (b"PK\x03\x04" + b"\x00" * 40, "a.pdf", "application/pdf"),
        (b"\xef\xbb\xbf%PDF-1.4", "a.pdf", "application/pdf"),  # not at the start
    ],
)
def test_wrong_type_is_refused_and_nothing_is_stored(
    api: Api, a_visit: dict[str, Any], unchanged: Any, evidence_root: Path, content: bytes, name: str, media: str
) -> None:
    r = upload(api, "township", owner_id=a_visit["id"], content=content, filename=name, media=media)
    assert_problem(r, 415, "evidence.unsupported_type", "/file")
    assert stored_files(evidence_root) == []


def test_oversized_upload_is_refused_and_nothing_is_stored(
    api: Api, a_visit: dict[str, Any], unchanged: Any, evidence_root: Path
) -> None:
    big = JPEG + b"\x00" * LIMIT
    r = upload(api, "township", owner_id=a_visit["id"], content=big)
    assert_problem(r, 413, "evidence.too_large", "/file")
    assert stored_files(evidence_root) == []
    exact = JPEG + b"\x00" * (LIMIT - len(JPEG))
    assert len(exact) == LIMIT


def test_upload_of_exactly_the_limit_is_accepted(api: Api, a_visit: dict[str, Any]) -> None:
    exact = JPEG + b"\x00" * (LIMIT - len(JPEG))
    r = upload(api, "township", owner_id=a_visit["id"], content=exact)
    assert r.status_code == 201, r.text
    assert r.json()["size"] == LIMIT


def test_a_declared_body_beyond_the_limit_is_refused_before_reading(
    api: Api, a_visit: dict[str, Any], unchanged: Any
) -> None:
    r = api.post(
        "township",
        "/api/v1/evidence",
        content=b"x",
        headers={"Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(LIMIT + 10**6)},
    )
    assert r.status_code == 413


def test_full_disk_is_507_and_nothing_is_half_stored(
    api: Api, a_visit: dict[str, Any], unchanged: Any, evidence_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[int] = []

    def full(out: Any, chunk: bytes) -> None:
        out.write(chunk[:10])  # part of it reached the disk, then the disk was full
        written.append(len(chunk))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage, "write_chunk", full)
    r = upload(api, "township", owner_id=a_visit["id"])
    assert_problem(r, 507, "evidence.storage_full")
    assert written  # the write was really attempted
    assert stored_files(evidence_root) == []


def test_full_disk_when_moving_into_place_is_507(
    api: Api, a_visit: dict[str, Any], unchanged: Any, evidence_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(src: Any, dst: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage.os, "replace", full)
    r = upload(api, "township", owner_id=a_visit["id"])
    assert_problem(r, 507, "evidence.storage_full")
    assert stored_files(evidence_root) == []


def test_bad_form_fields_change_nothing(api: Api, a_visit: dict[str, Any], unchanged: Any, evidence_root: Path) -> None:
    assert_problem(
        upload(api, "township", owner_id=a_visit["id"], owner_type="spaceship"),
        422,
        "evidence.unknown_owner_type",
        "/owner_type",
    )
    assert_problem(
        upload(api, "township", owner_id=a_visit["id"], owner_type="Visit!"), 422, "validation_failed", "/owner_type"
    )
    assert_problem(upload(api, "township", owner_id="not-a-uuid"), 422, "validation_failed", "/owner_id")
    no_file = api.post(
        "township",
        "/api/v1/evidence",
        data={"owner_type": "visit", "owner_id": a_visit["id"]},
        files={"other": ("a", b"x")},
    )
    assert_problem(no_file, 422, "validation_failed", "/file")
    empty = upload(api, "township", owner_id=a_visit["id"], content=b"")
    assert_problem(empty, 422, "evidence.empty", "/file")
    as_json = api.post("township", "/api/v1/evidence", json={"owner_type": "visit", "owner_id": a_visit["id"]})
    assert_problem(as_json, 415, "evidence.multipart_required")
    unknown = upload(api, "township", owner_id="00000000-0000-4000-8000-000000000000")
    assert_problem(unknown, 404, "not_found", "/owner_id")
    assert stored_files(evidence_root) == []


def test_evidence_is_scoped_like_its_visit(api: Api, a_visit: dict[str, Any], evidence_root: Path) -> None:
    r = upload(api, "township", owner_id=a_visit["id"])
    assert r.status_code == 201, r.text
    url = r.json()["download_url"]
    before = stored_files(evidence_root)
    assert api.get("township2", url).status_code == 404
    listed = api.get("township2", "/api/v1/evidence", params={"owner_type": "visit", "owner_id": a_visit["id"]})
    assert listed.status_code == 404
    other = upload(api, "township2", owner_id=a_visit["id"])
    assert_problem(other, 404, "not_found")
    # an inspector reads it, may not attach (no visits:write)
    assert api.get("inspector", url).status_code == 200
    assert_problem(upload(api, "inspector", owner_id=a_visit["id"]), 403, "forbidden")
    assert stored_files(evidence_root) == before


def test_a_cadre_login_attaches_only_to_its_own_visits(api: Api, evidence_root: Path) -> None:
    mine, theirs = new_cadre(api), new_cadre(api)
    h1, h2 = households(api, 2)
    assign(api, mine["id"], household_id=h1["id"])
    assign(api, theirs["id"], household_id=h2["id"])
    login = cadre_login(api, mine["id"])
    own = visit(api, mine["id"], h1["id"], user=login)
    other = visit(api, theirs["id"], h2["id"])
    assert upload(api, login, owner_id=own["id"]).status_code == 201
    assert_problem(upload(api, login, owner_id=other["id"]), 403, "visits.not_own_cadre", "/owner_id")
    assert len(stored_files(evidence_root)) == 1


def test_bad_evidence_ids_and_cursors(api: Api, a_visit: dict[str, Any]) -> None:
    assert api.get("township", "/api/v1/evidence/not-a-uuid").status_code == 422
    assert api.get("township", "/api/v1/evidence/00000000-0000-4000-8000-000000000000").status_code == 404
    bad = api.get(
        "township", "/api/v1/evidence", params={"owner_type": "visit", "owner_id": a_visit["id"], "cursor": "forged"}
    )
    assert_problem(bad, 400, "invalid_cursor")
    missing = api.get("township", "/api/v1/evidence", params={"owner_type": "visit"})
    assert_problem(missing, 422, "validation_failed", "/query/owner_id")


def test_keyset_pages_of_an_owner(api: Api, a_visit: dict[str, Any]) -> None:
    ids = [upload(api, "township", owner_id=a_visit["id"]).json()["id"] for _ in range(3)]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"owner_type": "visit", "owner_id": a_visit["id"], "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = api.get("township", "/api/v1/evidence", params=params).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(ids))


def test_the_owner_registry() -> None:
    from fupin.cadres.visits import resolve_visit
    from fupin.evidence.owners import owner_types, register_owner

    assert "visit" in owner_types()
    register_owner("visit", resolve_visit)  # the same resolver again is harmless

    async def other(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("never called")

    with pytest.raises(ValueError):
        register_owner("visit", other)


def test_a_file_whose_record_is_not_committed_is_removed(
    api: Api, a_visit: dict[str, Any], evidence_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file is moved into place before the commit; a commit that fails takes the file with it."""
    from fupin.evidence import service

    real = service.attach

    async def attach_then_fail(session: Any, *args: Any, **kwargs: Any) -> Any:
        await real(session, *args, **kwargs)
        assert stored_files(evidence_root)  # in place, not yet committed
        await session.rollback()  # as a failed commit does
        raise RuntimeError("the commit failed")

    monkeypatch.setattr(service, "attach", attach_then_fail)
    r = upload(api, "township", owner_id=a_visit["id"])
    assert r.status_code == 500
    assert stored_files(evidence_root) == []
    listed = api.get("township", "/api/v1/evidence", params={"owner_type": "visit", "owner_id": a_visit["id"]})
    assert listed.json()["items"] == []
