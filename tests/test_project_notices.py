"""A project's public notices (公告公示) through the API: each kind at the stages that allow it, the display period,
If-Match, other areas and line departments, bad input that changes nothing, the PDF (font embedded, the Chinese
text extractable) and the printable HTML (escaped), the missing font, and the list of notices overdue."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from fupin.config import Settings
from fupin.main import create_app
from fupin.projects.models import FundAllocation, Project
from fupin.projects.notices import add_working_days
from fupin.projects.notices_render import DEFAULT_FONT
from fupin.seed.bulk import sync_engine
from tests import factories, project_support
from tests.conftest import Api, app_settings, assert_problem

TODAY = date(2026, 6, 15)  # a Monday
P = "/api/v1/projects"
OVERDUE = "/api/v1/project-notices/overdue"
VILLAGE = "220382102201"  # 东方红村, 卧虎镇
OTHER_TOWNSHIP = "220382101000"  # 双山镇
needs_font = pytest.mark.skipif(not DEFAULT_FONT.is_file(), reason="fonts-wqy-zenhei is not installed")


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return app_settings(database_url, tmp_path, job_worker=False, adjustment_today=TODAY)


@pytest.fixture
def db(database_url: str) -> Iterator[Any]:
    engine = sync_engine(database_url)

    def query(sql: str, **params: Any) -> list[Any]:
        with engine.connect() as conn:
            return list(conn.execute(text(sql), params).all())

    yield query
    engine.dispose()


@pytest.fixture
def state(db: Any, api: Api) -> Any:
    """A fingerprint of everything a notice write could touch (the logins, audited themselves, taken first)."""
    for user in ("township", "township2", "department", "auditor"):
        api.token(user)

    def fingerprint() -> tuple[Any, ...]:
        return (
            db("SELECT COUNT(*), COALESCE(SUM(version), 0) FROM project_notices"),
            db("SELECT id, location, display_from, display_to, published_on FROM project_notices ORDER BY id"),
            db("SELECT id, published_on FROM fund_allocations ORDER BY id"),
            db("SELECT COUNT(*) FROM audit_events"),
            db("SELECT COUNT(*) FROM change_feed"),
        )

    return fingerprint


def project(database_url: str, *, stage: str = "approved", targets: bool = True, **kw: Any) -> str:
    pid = factories.insert_project(database_url, **{"region_codes": [VILLAGE], "stage": stage, **kw})
    if targets:
        project_support.add_target(database_url, pid)
    return pid


def allocation(database_url: str, project_id: str, *, allocated_on: date, amount: str = "120000.50") -> str:
    """A fund allocation of the project (written by the funds module in the app); its public id."""
    engine = sync_engine(database_url)
    public_id = uuid.uuid4()
    with engine.begin() as conn:
        pk = conn.execute(
            Project.__table__.select()
            .with_only_columns(Project.__table__.c.id)
            .where(  # type: ignore[attr-defined]
                Project.__table__.c.public_id == uuid.UUID(project_id)  # type: ignore[attr-defined]
            )
        ).scalar_one()
        conn.execute(
            FundAllocation.__table__.insert().values(  # type: ignore[attr-defined]
                public_id=public_id,
                project_id=pk,
                source="central",
                amount=Decimal(amount),
                document_no="双财农〔2026〕12号",
                allocated_on=allocated_on,
                actor_name="测试",
            )
        )
    engine.dispose()
    return str(public_id)


def published_on(db: Any, allocation_id: str) -> Any:
    rows = {str(r[0]).replace("-", ""): r[1] for r in db("SELECT public_id, published_on FROM fund_allocations")}
    value = rows[uuid.UUID(allocation_id).hex]
    return value if value is None or isinstance(value, date) else date.fromisoformat(str(value))


def period(start: date = date(2026, 6, 1), days: int = 10) -> dict[str, str]:
    return {"display_from": start.isoformat(), "display_to": (start + timedelta(days=days - 1)).isoformat()}


def post(api: Api, pid: str, user: str = "township", **body: Any) -> Any:
    return api.post(user, f"{P}/{pid}/notices", json=body)


def actions(db: Any, subject: str) -> list[str]:
    return [r[0] for r in db("SELECT action FROM audit_events WHERE subject_id = :s ORDER BY seq", s=subject)]


def feed(db: Any, entity_type: str) -> list[tuple[str, str]]:
    rows = db("SELECT entity_id, action FROM change_feed WHERE entity_type = :t ORDER BY seq", t=entity_type)
    return [(r[0], r[1]) for r in rows]


def test_entry_notice_keeps_its_figures_and_changes_with_if_match(api: Api, database_url: str, db: Any) -> None:
    pid = project(database_url, name="东方红村饮水安全工程", benefit_mechanism="保障120户饮水安全")
    hh = api.post("township", "/api/v1/households", json=factories.household(VILLAGE)).json()
    assert api.post("township", f"{P}/{pid}/beneficiaries", json={"household_ids": [hh["id"]]}).status_code == 200
    allocation(database_url, pid, allocated_on=date(2026, 6, 1))
    r = post(api, pid, kind="entry", location="东方红村村委会公示栏", **period(), published_on="2026-06-01")
    assert r.status_code == 201, r.text
    notice = r.json()
    assert r.headers["Location"] == f"{P}/{pid}/notices/{notice['id']}" and r.headers["ETag"] == '"1"'
    assert notice["project_id"] == pid and notice["kind"] == "entry" and notice["allocation_id"] is None
    assert (notice["display_from"], notice["display_to"]) == ("2026-06-01", "2026-06-10")
    assert notice["version"] == 1 and notice["actor_name"]
    figures = notice["figures"]
    assert figures["project_name"] == "东方红村饮水安全工程" and figures["category_label"] == "基础设施/饮水"
    assert figures["level_label"] == "县级" and figures["benefit_mechanism"] == "保障120户饮水安全"
    assert figures["regions"] == [{"code": VILLAGE, "name": "东方红村"}]
    assert figures["targets"] == [
        {"metric": "硬化道路", "unit": "km", "unit_label": "公里", "baseline": "0", "target": "3.5", "actual": "0"}
    ]
    assert figures["funds"] == [
        {"source": "central", "source_label": "中央财政专项扶贫资金", "allocated": "120000.50", "disbursed": "0.00"}
    ]
    assert figures["funds_total"] == {"allocated": "120000.50", "disbursed": "0.00"}
    people = figures["beneficiaries"]
    assert people["households"] == 1 and people["people"] == len(hh["members"]) and people["poor_households"] == 1
    # one entry notice per project; the first stays as it was put up
    assert_problem(post(api, pid, kind="entry"), 409, "notice.exists", "/kind")
    assert api.get("township", f"{P}/{pid}/notices").json() == {"items": [notice]}
    url = f"{P}/{pid}/notices/{notice['id']}"
    assert_problem(api.patch("township", url, json={"location": "村部"}), 428, "precondition_required")
    stale = api.patch("township", url, json={"location": "村部"}, headers={"If-Match": '"9"'})
    assert_problem(stale, 412, "precondition_failed")
    changed = api.patch(
        "township", url, json={"location": "村部", **period(date(2026, 6, 2), 14)}, headers={"If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] == '"2"' and changed.json()["location"] == "村部"
    assert changed.json()["display_to"] == "2026-06-15" and changed.json()["figures"] == figures
    assert [a for a in actions(db, pid) if a.startswith("project_notice")] == [
        "project_notice.created",
        "project_notice.updated",
    ]
    assert [a for e, a in feed(db, "project_notice") if e == notice["id"]] == ["created", "updated"]
    # the village reads it too (the project lies in its village)
    assert [n["id"] for n in api.get("village", f"{P}/{pid}/notices").json()["items"]] == [notice["id"]]


@pytest.mark.parametrize(
    ("stage", "kind", "allowed"),
    [
        ("declared", "entry", False),
        ("reviewed", "entry", False),
        ("approved", "entry", True),
        ("in_library", "entry", True),
        ("completed", "entry", True),
        ("removed", "entry", False),
        ("implementing", "completion", False),
        ("accepted", "completion", True),
        ("completed", "completion", True),
        ("removed", "completion", False),
    ],
)
def test_a_notice_kind_needs_its_stage(api: Api, database_url: str, stage: str, kind: str, allowed: bool) -> None:
    pid = project(database_url, stage=stage)
    r = post(api, pid, kind=kind, **period())
    if allowed:
        assert r.status_code == 201, r.text
    else:
        assert_problem(r, 409, "notice.wrong_stage", "/kind")


def test_entry_needs_a_target(api: Api, database_url: str, state: Any) -> None:
    pid = project(database_url, targets=False)
    before = state()
    assert_problem(post(api, pid, kind="entry"), 409, "notice.no_targets", "/kind")
    assert state() == before


def test_allocation_notice_publishes_the_allocation(api: Api, database_url: str, db: Any, state: Any) -> None:
    pid = project(database_url, stage="implementing")
    other = project(database_url, stage="implementing")
    aid = allocation(database_url, pid, allocated_on=date(2026, 6, 1), amount="50000")
    foreign = allocation(database_url, other, allocated_on=date(2026, 6, 1))
    before = state()
    assert_problem(post(api, pid, kind="allocation"), 422, "required", "/allocation_id")
    assert_problem(
        post(api, pid, kind="allocation", allocation_id=foreign), 422, "notice.allocation_unknown", "/allocation_id"
    )
    assert_problem(
        post(api, pid, kind="allocation", allocation_id=str(uuid.uuid4())),
        422,
        "notice.allocation_unknown",
        "/allocation_id",
    )
    assert_problem(
        post(api, pid, kind="entry", allocation_id=aid), 422, "notice.allocation_not_allowed", "/allocation_id"
    )
    early = post(api, pid, kind="allocation", allocation_id=aid, published_on="2026-05-31")
    assert_problem(early, 422, "notice.published_before_allocation", "/published_on")
    assert state() == before
    r = post(api, pid, kind="allocation", allocation_id=aid, location="卧虎镇政务公开栏")
    assert r.status_code == 201, r.text
    notice = r.json()
    assert notice["allocation_id"] == aid and published_on(db, aid) is None
    assert notice["figures"]["allocation"] == {
        "id": aid,
        "source": "central",
        "source_label": "中央财政专项扶贫资金",
        "amount": "50000.00",
        "document_no": "双财农〔2026〕12号",
        "allocated_on": "2026-06-01",
    }
    assert_problem(post(api, pid, kind="allocation", allocation_id=aid), 409, "notice.exists", "/kind")
    # another allocation of the project gets its own notice
    second = allocation(database_url, pid, allocated_on=date(2026, 6, 2))
    assert post(api, pid, kind="allocation", allocation_id=second).status_code == 201
    url = f"{P}/{pid}/notices/{notice['id']}"
    r = api.patch(
        "township", url, json={"published_on": "2026-06-03", **period(date(2026, 6, 3))}, headers={"If-Match": '"1"'}
    )
    assert r.status_code == 200, r.text
    assert published_on(db, aid) == date(2026, 6, 3)
    assert "fund_allocation.published" in actions(db, pid)
    assert (aid, "published") in feed(db, "fund_allocation")
    # once published it stays published
    refused = api.patch("township", url, json={"published_on": None}, headers={"If-Match": '"2"'})
    assert_problem(refused, 422, "required", "/published_on")
    assert published_on(db, aid) == date(2026, 6, 3)


def test_bad_input_changes_nothing(api: Api, database_url: str, state: Any) -> None:
    pid = project(database_url)
    made = post(api, pid, kind="entry", **period())
    assert made.status_code == 201, made.text
    url = f"{P}/{pid}/notices/{made.json()['id']}"
    completion_pid = project(database_url, stage="accepted")
    before = state()
    cases = [
        ({"kind": "completion", **period(days=9)}, 422, "notice.display_too_short", "/display_to"),
        (
            {"kind": "completion", "display_from": "2026-06-10", "display_to": "2026-06-09"},
            422,
            "notice.display_order",
            "/display_to",
        ),
        ({"kind": "completion", "display_from": "2026-06-10"}, 422, "notice.display_incomplete", "/display_to"),
        ({"kind": "completion", "display_to": "2026-06-20"}, 422, "notice.display_incomplete", "/display_from"),
        ({"kind": "completion", "published_on": "2026-06-16"}, 422, "date.out_of_range", "/published_on"),
        (
            {"kind": "completion", "display_from": "2026/06/01", "display_to": "2026-06-20"},
            422,
            "date.format",
            "/display_from",
        ),
        ({"kind": "notice"}, 422, "code.unknown", "/kind"),
        ({"kind": "completion", "figures": {}}, 422, "unknown_field", "/figures"),
        ({"kind": "completion", "location": ""}, 422, "string_too_short", "/location"),
    ]
    for body, status, code, pointer in cases:
        project_support.assert_field(
            api.post("township", f"{P}/{completion_pid}/notices", json=body), status, code, pointer
        )
    patches = [
        ({"display_to": "2026-06-05"}, "notice.display_too_short", "/display_to"),
        ({"display_from": "2026-06-11"}, "notice.display_order", "/display_to"),
        ({"display_from": None}, "notice.display_incomplete", "/display_from"),
        ({"display_to": None}, "notice.display_incomplete", "/display_to"),
        ({"published_on": "2026-06-16"}, "date.out_of_range", "/published_on"),
    ]
    for body, code, pointer in patches:
        assert_problem(api.patch("township", url, json=body, headers={"If-Match": '"1"'}), 422, code, pointer)
    # another township sees no such project; a line department of another field may not write it; a reader may
    # not write at all
    assert api.get("township2", f"{P}/{pid}/notices").status_code == 404
    assert api.get("township2", f"{url}/document?format=html").status_code == 404
    assert post(api, pid, "township2", kind="entry").status_code == 404
    assert api.patch("township2", url, json={"location": "x"}, headers={"If-Match": '"1"'}).status_code == 404
    assert_problem(post(api, completion_pid, "department", kind="completion"), 403, "projects.department_field")
    assert_problem(
        api.patch("department", url, json={"location": "x"}, headers={"If-Match": '"1"'}),
        403,
        "projects.department_field",
    )
    assert post(api, completion_pid, "auditor", kind="completion").status_code == 403
    assert api.get("township", f"{P}/{uuid.uuid4()}/notices").status_code == 404
    assert api.get("township", f"{P}/{pid}/notices/{uuid.uuid4()}/document").status_code == 404
    assert state() == before


@needs_font
def test_pdf_embeds_the_font_and_the_chinese_text(api: Api, database_url: str, db: Any) -> None:
    from pypdf import PdfReader

    pid = project(database_url, stage="accepted", name="东方红村饮水安全工程", responsible_unit="双辽市水利局")
    notice = post(api, pid, kind="completion", location="东方红村村委会", **period(), published_on="2026-06-01").json()
    r = api.get("township", f"{P}/{pid}/notices/{notice['id']}/document?format=pdf")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
    disposition = r.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="notice-completion-')
    assert f"filename*=UTF-8''{quote('东方红村饮水安全工程竣工公告.pdf')}" in disposition
    reader = PdfReader(io.BytesIO(r.content))
    extracted = "".join(page.extract_text() for page in reader.pages)
    for shown in ("东方红村饮水安全工程竣工公告", "双辽市水利局", "东方红村", "硬化道路", "3.5 公里", "2026年6月10日"):
        assert shown in extracted, shown
    resources = reader.pages[0]["/Resources"]["/Font"]
    (font,) = [f.get_object() for f in resources.values()]
    assert font["/Subtype"] == "/Type0" and "/ToUnicode" in font
    descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
    assert "/FontFile2" in descriptor and "WenQuanYi" in str(descriptor["/FontName"])
    # every document is audited on the project's trail (no feed entry)
    events = db(
        "SELECT action, entity_type FROM audit_events WHERE subject_id = :s AND action = 'export.created'", s=pid
    )
    assert [tuple(e) for e in events] == [("export.created", "project_notice")]


def test_html_is_printable_and_escaped(api: Api, database_url: str) -> None:
    name = '<script>alert("x")</script>道路'
    pid = project(database_url, stage="approved", name=name, responsible_unit="卧虎镇<b>政府</b>")
    notice = post(api, pid, kind="entry", location="村部 & 公示栏", **period()).json()
    r = api.get("village", f"{P}/{pid}/notices/{notice['id']}/document?format=html")
    assert r.status_code == 200, r.text
    assert (
        r.headers["content-type"].startswith("text/html")
        and "default-src 'none'" in r.headers["content-security-policy"]
    )
    page = r.text
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;道路入库公示" in page
    assert "村部 &amp; 公示栏" in page and "2026年6月1日 至 2026年6月10日" in page and "公里" in page
    assert_problem(
        api.get("village", f"{P}/{pid}/notices/{notice['id']}/document?format=doc"), 422, "validation_failed"
    )


def test_pdf_without_the_font_is_503_and_html_still_works(
    api: Api, settings: Settings, database_url: str, tmp_path: Path
) -> None:
    pid = project(database_url)
    notice = post(api, pid, kind="entry", **period()).json()
    url = f"{P}/{pid}/notices/{notice['id']}/document"
    nowhere = settings.model_copy(update={"notice_font": tmp_path / "no-such-font.ttc"})
    with TestClient(create_app(nowhere), raise_server_exceptions=False) as client:
        other = Api(client)
        assert_problem(other.get("township", f"{url}?format=pdf"), 503, "notice.font_missing")
        assert other.get("township", f"{url}?format=html").status_code == 200


def test_working_days_skip_weekends() -> None:
    assert add_working_days(date(2026, 5, 15), 15) == date(2026, 6, 5)  # a Friday: three weeks on
    assert add_working_days(date(2026, 5, 16), 1) == date(2026, 5, 18)  # Saturday → Monday
    assert add_working_days(date(2026, 5, 25), 15) == date(2026, 6, 15)


def test_overdue_notices_of_the_area(api: Api, database_url: str) -> None:
    late_pid = project(database_url, stage="implementing", name="逾期资金项目", entered_library_on=date(2026, 3, 1))
    late = allocation(database_url, late_pid, allocated_on=date(2026, 5, 15))  # due 2026-06-05
    allocation(database_url, late_pid, allocated_on=date(2026, 5, 25))  # due today: not yet overdue
    published = allocation(database_url, late_pid, allocated_on=date(2026, 5, 1))
    made = post(
        api,
        late_pid,
        kind="allocation",
        allocation_id=published,
        published_on="2026-05-10",
        **period(date(2026, 5, 10)),
    )
    assert made.status_code == 201, made.text
    entry = post(api, late_pid, kind="entry", published_on="2026-02-20", **period(date(2026, 2, 20)))
    assert entry.status_code == 201, entry.text
    no_entry = project(database_url, stage="in_library", entered_library_on=date(2026, 6, 12))
    completed = project(
        database_url, stage="completed", entered_library_on=date(2026, 2, 1), completed_on=date(2026, 6, 1)
    )
    recent = project(
        database_url, stage="completed", entered_library_on=date(2026, 2, 1), completed_on=date(2026, 6, 5)
    )
    for pid in (completed, recent):
        done = post(api, pid, kind="entry", published_on="2026-01-20", **period(date(2026, 1, 20)))
        assert done.status_code == 201, done.text
    undisplayed = project(database_url, stage="accepted", entered_library_on=date(2026, 2, 1))
    shown = post(api, undisplayed, kind="entry", published_on="2026-06-10")
    assert shown.status_code == 201, shown.text
    elsewhere = factories.insert_project(
        database_url, region_codes=["220382101201"], stage="in_library", entered_library_on=date(2026, 6, 1)
    )
    mine = {late_pid, no_entry, completed, recent, undisplayed, elsewhere}

    def listed(user: str = "township", **params: Any) -> list[tuple[Any, ...]]:
        r = api.get(user, OVERDUE, params=params)
        assert r.status_code == 200, r.text
        return [
            (i["project_id"], i["kind"], i["allocation_id"], i["due_on"], i["days_overdue"], i["reason"])
            for i in r.json()["items"]
            if i["project_id"] in mine
        ]

    expected = [
        (late, late_pid, "allocation", "2026-06-05", 10, "allocation_unpublished"),
        (None, completed, "completion", "2026-06-11", 4, "completion_missing"),
        (None, no_entry, "entry", "2026-06-12", 3, "entry_missing"),
        (None, undisplayed, "entry", "2026-06-10", 5, "display_unrecorded"),
    ]
    want = sorted(
        [(pid, kind, aid, due, days, reason) for aid, pid, kind, due, days, reason in expected],
        key=lambda i: -i[4],
    )
    assert listed() == want
    item = next(i for i in api.get("township", OVERDUE).json()["items"] if i["project_id"] == late_pid)
    assert item["project_name"] == "逾期资金项目" and item["area_code"] == VILLAGE and item["project_code"]
    assert listed(kind="entry") == [i for i in want if i[1] == "entry"]
    assert listed(kind="completion") == [i for i in want if i[1] == "completion"]
    assert listed(region_code="220382102") == want
    # the other township's project is its own; a region outside the caller's area is not found
    assert [i[0] for i in listed("township2")] == [elsewhere]
    assert api.get("township2", OVERDUE, params={"region_code": "220382102000"}).status_code == 404
    assert listed("city_office", region_code=OTHER_TOWNSHIP) == [
        (elsewhere, "entry", None, "2026-06-01", 14, "entry_missing")
    ]
    assert_problem(api.get("township", OVERDUE, params={"kind": "x"}), 422, "validation_failed")
    # publishing the allocation and recording the display period take them off the list
    notice = next(n for n in api.get("township", f"{P}/{undisplayed}/notices").json()["items"])
    r = api.patch(
        "township",
        f"{P}/{undisplayed}/notices/{notice['id']}",
        json=period(date(2026, 6, 10)),
        headers={"If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    made = post(
        api, late_pid, kind="allocation", allocation_id=late, published_on="2026-06-15", **period(date(2026, 6, 15))
    )
    assert made.status_code == 201, made.text
    assert [i[5] for i in listed()] == ["completion_missing", "entry_missing"]
