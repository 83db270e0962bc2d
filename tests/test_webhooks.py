"""Webhooks end to end: subscriptions over HTTP, the dispatcher delivering to a real receiver on 127.0.0.1 started
here, signatures checked with the receiver snippet of docs/integration/webhooks.md, retries with backoff until
given up (time simulated through `dispatch_once(now=...)`), secret rotation, area scope, audit, bad input."""

from __future__ import annotations

import asyncio
import hmac
import itertools
import json
import re
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from fupin.audit.positions import decode_position
from fupin.config import PROJECT_ROOT, Settings
from fupin.core.db import make_engine, make_sessionmaker
from fupin.core.models import utcnow
from fupin.main import create_app
from fupin.seed.bulk import sync_engine
from fupin.webhooks import events, signing
from fupin.webhooks.delivery import DispatchReport, backoff, claim_due, dispatch_once, fan_out, new_client, send
from tests.conftest import Api, app_settings, assert_problem

HOOKS = "/api/v1/webhooks"
HH = "/api/v1/households"
OTHER_TOWNSHIP = "220382101000"
DOCS = PROJECT_ROOT / "docs" / "integration" / "webhooks.md"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Receivers of these tests listen on 127.0.0.1; the tests run the dispatcher themselves."""
    return app_settings(database_url, tmp_path, job_worker=False, webhook_allow_private=True, webhook_timeout_seconds=5)


class Receiver:
    """An HTTP server on 127.0.0.1 that records every request and answers the statuses queued in `answers`
    (then 200)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answers: list[int] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                    status = receiver.answers.pop(0) if receiver.answers else 200
                payload = b"nope" if status >= 300 else b"ok"
                self.send_response(status)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r["body"]) for r in self.requests]

    def households(self) -> list[str]:
        return [b["entity_id"] for b in self.bodies() if b["entity_type"] == "household"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def receiver2() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def docs_verifier() -> Any:
    """The receiver's verification function, exactly as docs/integration/webhooks.md prints it."""
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.S)
    source = next(b for b in blocks if "def verify_fupin_signature" in b)
    namespace: dict[str, Any] = {}
    exec(compile(source, str(DOCS), "exec"), namespace)
    return namespace["verify_fupin_signature"]


def dispatch(settings: Settings, now: datetime | None = None, **kw: Any) -> DispatchReport:
    async def run() -> DispatchReport:
        engine = make_engine(settings.database_url, 2)
        try:
            return await dispatch_once(make_sessionmaker(engine, area_guard=True), now=now, settings=settings, **kw)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def subscribe(api: Api, user: str, url: str, **body: Any) -> dict[str, Any]:
    r = api.post(user, HOOKS, json={"url": url, "events": ["household.*"], **body})
    assert r.status_code == 201, r.text
    return r.json()


def touch_household(api: Api, user: str = "township", **params: Any) -> dict[str, Any]:
    h = api.first_household(user, **params)
    r = api.patch(
        user, f"{HH}/{h['id']}", json={"address": f"新址{time.time_ns()}"}, headers={"If-Match": f'"{h["version"]}"'}
    )
    assert r.status_code == 200, r.text
    return r.json()


def deliveries(api: Api, user: str, hook_id: str, **params: Any) -> list[dict[str, Any]]:
    r = api.get(user, f"{HOOKS}/{hook_id}/deliveries", params=params)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def signatures(header: str) -> tuple[int, list[str]]:
    parts = [p.split("=", 1) for p in header.split(",")]
    return int(next(v for k, v in parts if k == "t")), [v for k, v in parts if k == "v1"]


def test_a_change_is_delivered_signed_and_logged(api: Api, settings: Settings, receiver: Receiver) -> None:
    hook = subscribe(api, "integration", receiver.url, description="省平台")
    secret = hook["secret"]
    assert secret.startswith("whsec_") and hook["active"] and hook["events"] == ["household.*"]
    assert hook["owner"]["type"] == "user" and hook["region_code"] == "220300000000"
    shown = api.get("integration", f"{HOOKS}/{hook['id']}")
    assert shown.status_code == 200 and shown.json()["secret"] is None and shown.headers["ETag"] == '"1"'
    assert secret not in shown.text
    assert dispatch(settings).created == 0  # nothing before the subscription is sent, not even its own creation

    changed = touch_household(api)
    now = utcnow()
    report = dispatch(settings, now)
    assert (report.created, report.sent, report.delivered) == (1, 1, 1)
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    headers = {k.lower(): v for k, v in request["headers"].items()}
    body = json.loads(request["body"])
    assert headers["content-type"] == "application/json"
    assert headers["x-fupin-event"] == "household.updated" == body["event"]
    assert headers["x-fupin-delivery"] == body["id"]
    assert body["entity_type"] == "household" and body["entity_id"] == changed["id"]
    assert body["version"] == changed["version"] and body["region_code"] == changed["village_code"]
    assert decode_position(body["changes_position"]) == body["seq"]
    assert set(body) >= {"id", "seq", "event", "entity_type", "entity_id", "external_id", "region_code", "version"}
    # the feed has exactly this entry at that position
    feed = api.get("integration", "/api/v1/changes", params={"after": body["seq"] - 1, "limit": 1}).json()["items"]
    assert feed[0]["seq"] == body["seq"] and feed[0]["entity_id"] == changed["id"]

    verify = docs_verifier()
    t, v1 = signatures(headers["x-fupin-signature"])
    assert t == int(now.timestamp()) and len(v1) == 1
    assert verify(headers["x-fupin-signature"], request["body"], [secret], now=t)
    assert verify(headers["x-fupin-signature"], request["body"], ["whsec_other", secret], now=t + 299)
    assert not verify(headers["x-fupin-signature"], request["body"], [secret], now=t + 301)  # stale
    assert not verify(headers["x-fupin-signature"], request["body"], [secret], now=t - 301)
    assert not verify(headers["x-fupin-signature"], request["body"] + b" ", [secret], now=t)  # tampered
    assert not verify(headers["x-fupin-signature"], request["body"], ["whsec_wrong"], now=t)

    log = deliveries(api, "integration", hook["id"])
    assert len(log) == 1
    entry = log[0]
    assert entry["id"] == body["id"] and entry["state"] == "delivered" and entry["status_code"] == 200
    assert entry["attempt"] == 1 and entry["delivered_at"] and entry["next_attempt_at"] is None
    assert [a["status_code"] for a in entry["attempts"]] == [200]
    # caught up: another round sends nothing
    assert dispatch(settings).sent == 0


def test_docs_snippet_agrees_with_the_signer() -> None:
    verify = docs_verifier()
    body = b'{"event":"household.updated","id":"x"}'
    header = signing.signature_header(["whsec_new", "whsec_old"], 1_764_633_600, body)
    assert header.startswith("t=1764633600,v1=") and header.count("v1=") == 2
    assert verify(header, body, ["whsec_new"], now=1_764_633_600)
    assert verify(header, body, ["whsec_old"], now=1_764_633_600)
    assert not verify(header, body, ["whsec_else"], now=1_764_633_600)
    assert not verify("v1=abc", body, ["whsec_new"], now=1_764_633_600)
    assert signing.sign("k", 1, b"b") == hmac.new(b"k", b"1.b", "sha256").hexdigest()


def test_failures_back_off_then_give_up_after_three_days(api: Api, settings: Settings, receiver: Receiver) -> None:
    hook = subscribe(api, "integration", receiver.url)
    touch_household(api)
    receiver.answers = [500] * 100
    start = utcnow()
    assert dispatch(settings, start).failed == 1
    waits: list[timedelta] = []
    now = start
    for _ in range(6):
        entry = deliveries(api, "integration", hook["id"])[0]
        assert entry["state"] == "failed" and entry["status_code"] == 500 and entry["error"].startswith("HTTP 500")
        due = datetime.fromisoformat(entry["next_attempt_at"])
        waits.append(due - now)
        # not due yet: nothing is sent
        sent = len(receiver.requests)
        assert dispatch(settings, due - timedelta(seconds=1)).sent == 0 and len(receiver.requests) == sent
        now = due
        assert dispatch(settings, now).failed == 1
    assert timedelta(seconds=30) <= waits[0] <= timedelta(seconds=36)
    assert all(later > earlier for earlier, later in itertools.pairwise(waits)), waits
    assert all(timedelta(seconds=30 * 2**i) <= w <= timedelta(seconds=36 * 2**i) for i, w in enumerate(waits))
    # the same delivery every time: same id, same body bytes, a fresh signature timestamp
    assert len({r["body"] for r in receiver.requests}) == 1
    assert len({r["headers"]["X-Fupin-Delivery"] for r in receiver.requests}) == 1
    # three days after the change the next failure gives up
    late = start + timedelta(hours=72, minutes=1)
    report = dispatch(settings, late)
    assert report.gave_up == 1
    entry = deliveries(api, "integration", hook["id"])[0]
    assert entry["state"] == "gave_up" and entry["next_attempt_at"] is None and entry["attempt"] == 8
    assert [a["attempt"] for a in entry["attempts"]] == list(range(1, 9))
    assert all(a["status_code"] == 500 and a["duration_ms"] >= 0 for a in entry["attempts"])
    assert dispatch(settings, late + timedelta(days=1)).sent == 0
    assert deliveries(api, "integration", hook["id"], state="gave_up")[0]["id"] == entry["id"]
    assert deliveries(api, "integration", hook["id"], state="delivered") == []


def test_500_then_200_is_delivered_on_the_retry(api: Api, settings: Settings, receiver: Receiver) -> None:
    hook = subscribe(api, "integration", receiver.url)
    touch_household(api)
    receiver.answers = [500]
    start = utcnow()
    assert dispatch(settings, start).failed == 1
    due = datetime.fromisoformat(deliveries(api, "integration", hook["id"])[0]["next_attempt_at"])
    assert dispatch(settings, due).delivered == 1
    entry = deliveries(api, "integration", hook["id"])[0]
    assert entry["state"] == "delivered" and entry["attempt"] == 2 and entry["error"] is None
    assert [(a["status_code"], bool(a["error"])) for a in entry["attempts"]] == [(500, True), (200, False)]
    assert len(receiver.requests) == 2


def test_an_unreachable_receiver_is_retried(api: Api, settings: Settings) -> None:
    hook = subscribe(api, "integration", "http://127.0.0.1:9/")
    touch_household(api)
    assert dispatch(settings).failed == 1
    entry = deliveries(api, "integration", hook["id"])[0]
    assert entry["state"] == "failed" and entry["status_code"] is None and "Connect" in entry["error"]


def test_rotation_signs_with_both_secrets_for_a_day(api: Api, settings: Settings, receiver: Receiver) -> None:
    hook = subscribe(api, "integration", receiver.url)
    old = hook["secret"]
    r = api.post("integration", f"{HOOKS}/{hook['id']}/rotate-secret")
    assert r.status_code == 200, r.text
    new = r.json()["secret"]
    assert new.startswith("whsec_") and new != old
    rotated_at = datetime.fromisoformat(r.json()["secret_rotated_at"])
    expires = datetime.fromisoformat(r.json()["previous_secret_expires_at"])
    assert timedelta(hours=23, minutes=59) < expires - rotated_at <= timedelta(hours=24)
    assert api.get("integration", f"{HOOKS}/{hook['id']}").json()["secret"] is None
    verify = docs_verifier()

    touch_household(api)
    now = utcnow()
    dispatch(settings, now)
    header = receiver.requests[-1]["headers"]["X-Fupin-Signature"]
    body = receiver.requests[-1]["body"]
    t, v1 = signatures(header)
    assert len(v1) == 2
    assert v1[0] == signing.sign(new, t, body) and v1[1] == signing.sign(old, t, body)
    assert verify(header, body, [new], now=t) and verify(header, body, [old], now=t)

    touch_household(api)
    later = now + timedelta(hours=25)
    dispatch(settings, later)
    header = receiver.requests[-1]["headers"]["X-Fupin-Signature"]
    body = receiver.requests[-1]["body"]
    t, v1 = signatures(header)
    assert len(v1) == 1 and t == int(later.timestamp())
    assert verify(header, body, [new], now=t) and not verify(header, body, [old], now=t)


def test_a_subscription_only_hears_its_own_area(
    api: Api, settings: Settings, receiver: Receiver, receiver2: Receiver
) -> None:
    key = api.post(
        "admin",
        "/api/v1/api-keys",
        json={"name": "双山镇对接", "roles": ["integration"], "region_code": OTHER_TOWNSHIP},
    )
    assert key.status_code == 201, key.text
    other = {"Authorization": f"Bearer {key.json()['key']}"}
    city_hook = subscribe(api, "integration", receiver.url, events=["*"])
    r = api.client.post(HOOKS, headers=other, json={"url": receiver2.url, "events": ["*"]})
    assert r.status_code == 201, r.text
    other_hook = r.json()
    assert other_hook["owner"]["type"] == "api_key" and other_hook["region_code"] == OTHER_TOWNSHIP

    first = touch_household(api, "township")  # the first township: not the other one's area
    dispatch(settings)
    assert receiver.households() == [first["id"]]
    assert receiver2.requests == []
    second = touch_household(api, "township2")
    dispatch(settings)
    assert receiver2.households() == [second["id"]] and len(receiver2.requests) == 1
    assert receiver.households() == [first["id"], second["id"]]
    # the city subscription also heard of the other one's creation (inside the city); the other never of the city's
    assert {b["event"] for b in receiver.bodies()} == {"household.updated", "webhook.created"}

    # another owner's subscription is a 404 for reads and writes; lists show the caller's own
    for method, path in (
        ("GET", f"{HOOKS}/{city_hook['id']}"),
        ("PATCH", f"{HOOKS}/{city_hook['id']}"),
        ("DELETE", f"{HOOKS}/{city_hook['id']}"),
        ("POST", f"{HOOKS}/{city_hook['id']}/rotate-secret"),
        ("POST", f"{HOOKS}/{city_hook['id']}/test"),
        ("GET", f"{HOOKS}/{city_hook['id']}/deliveries"),
    ):
        kwargs: dict[str, Any] = {"json": {"active": False}} if method == "PATCH" else {}
        assert_problem(api.client.request(method, path, headers=other, **kwargs), 404, "not_found")
        mirrored = path.replace(city_hook["id"], other_hook["id"])
        assert_problem(
            api.client.request(method, mirrored, headers=api.headers("integration"), **kwargs), 404, "not_found"
        )
    assert [h["id"] for h in api.client.get(HOOKS, headers=other).json()["items"]] == [other_hook["id"]]
    assert [h["id"] for h in api.get("integration", HOOKS).json()["items"]] == [city_hook["id"]]
    # the administrator sees and manages both
    assert {h["id"] for h in api.get("admin", HOOKS).json()["items"]} >= {city_hook["id"], other_hook["id"]}
    assert api.get("admin", f"{HOOKS}/{other_hook['id']}/deliveries").json()["items"][0]["state"] == "delivered"
    # a role without webhooks:manage is refused
    assert_problem(api.get("township", HOOKS), 403, "forbidden")
    assert_problem(api.post("city_office", HOOKS, json={"url": receiver.url, "events": ["*"]}), 403, "forbidden")


def test_writes_are_audited_in_the_feed_and_never_show_the_secret(
    api: Api, settings: Settings, receiver: Receiver, database_url: str
) -> None:
    hook = subscribe(api, "integration", receiver.url)
    url = f"{HOOKS}/{hook['id']}"
    r = api.patch("integration", url, json={"events": ["household.updated", "member.*"], "description": "改"})
    assert r.status_code == 200 and r.json()["version"] == 2 and r.headers["ETag"] == '"2"'
    assert_problem(
        api.patch("integration", url, json={"active": False}, headers={"If-Match": '"1"'}), 412, "precondition_failed"
    )
    rotated = api.post("integration", f"{url}/rotate-secret").json()
    ping = api.post("integration", f"{url}/test")
    assert ping.status_code == 202 and ping.json()["event"] == "ping" and ping.json()["state"] == "pending"
    trail = api.get("admin", "/api/v1/audit-events", params={"entity_id": hook["id"], "limit": 50}).json()["items"]
    actions = [e["action"] for e in trail]
    assert actions == ["webhook.created", "webhook.updated", "webhook.secret_rotated", "webhook.tested"]
    created = trail[0]["changes"]
    assert created["secret"] == [None, "********"] and created["url"] == [None, receiver.url]
    assert trail[1]["changes"]["events"] == [["household.*"], ["household.updated", "member.*"]]
    feed = api.get("admin", "/api/v1/changes", params={"limit": 1000}).json()["items"]
    mine = [f"{c['entity_type']}.{c['action']}" for c in feed if c["entity_id"] == hook["id"]]
    assert mine == ["webhook.created", "webhook.updated", "webhook.secret_rotated", "webhook.tested"]
    engine = sync_engine(database_url)
    with engine.connect() as conn:
        stored = " ".join(str(row) for row in conn.execute(text("SELECT * FROM audit_events")).all())
        subs = " ".join(str(row) for row in conn.execute(text("SELECT * FROM webhook_subscriptions")).all())
    engine.dispose()
    for secret in (hook["secret"], rotated["secret"]):
        assert secret not in stored and secret not in subs  # not in the trail, and encrypted at rest

    deleted = api.delete("integration", url)
    assert deleted.status_code == 204
    assert_problem(api.get("integration", url), 404, "not_found")
    last = api.get("admin", "/api/v1/audit-events", params={"entity_id": hook["id"], "limit": 50}).json()["items"][-1]
    assert last["action"] == "webhook.deleted" and last["changes"]["url"] == [receiver.url, None]
    # the ping queued before the delete is never sent
    assert dispatch(settings).sent == 0 and receiver.requests == []


def test_ping_is_sent_even_to_an_inactive_subscription(api: Api, settings: Settings, receiver: Receiver) -> None:
    hook = subscribe(api, "integration", receiver.url, active=False)
    touch_household(api)
    assert api.post("integration", f"{HOOKS}/{hook['id']}/test").status_code == 202
    report = dispatch(settings)
    assert (report.created, report.delivered) == (0, 1)
    [body] = receiver.bodies()
    assert body["event"] == "ping" and body["seq"] is None and body["entity_id"] == hook["id"]
    assert receiver.requests[0]["headers"]["X-Fupin-Event"] == "ping"
    # activated, it starts at the feed's end: the change made while inactive is not sent
    assert api.patch("integration", f"{HOOKS}/{hook['id']}", json={"active": True}).status_code == 200
    assert dispatch(settings).created == 0
    touch_household(api)
    assert dispatch(settings).delivered == 1 and receiver.bodies()[-1]["event"] == "household.updated"


def test_events_filter_what_is_delivered(api: Api, settings: Settings, receiver: Receiver) -> None:
    subscribe(api, "integration", receiver.url, events=["member.*", "household.status_changed"])
    touch_household(api)  # household.updated: not subscribed
    assert dispatch(settings).created == 0 and receiver.requests == []


@pytest.fixture
def logins(api: Api) -> None:
    """The logins a test makes, taken before `unchanged` fingerprints the database (a login is audited)."""
    for user in ("admin", "integration"):
        api.token(user)


def test_bad_input_changes_nothing(
    api: Api, settings: Settings, logins: None, unchanged: Any, database_url: str
) -> None:
    engine = sync_engine(database_url)

    def count() -> int:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT COUNT(*) FROM webhook_subscriptions")).scalar_one())

    before = count()
    good = {"url": "https://example.org/hook", "events": ["household.*"]}
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({**good, "url": "ftp://example.org/x"}, "/url", "webhook.url_scheme"),
        ({**good, "url": "https://user:pw@example.org/x"}, "/url", "webhook.url_credentials"),
        ({**good, "url": "not a url"}, "/url", "webhook.url_scheme"),
        ({**good, "url": "http://example.org:99999/"}, "/url", "webhook.url_invalid"),
        ({**good, "events": ["household.exploded"]}, "/events/0", "webhook.unknown_event"),
        ({**good, "events": ["household.*", "nothing.*"]}, "/events/1", "webhook.unknown_event"),
        ({**good, "events": []}, "/events", "too_short"),
        ({**good, "secret": "mine"}, "/secret", "unknown_field"),
        ({"events": ["*"]}, "/url", "required"),
    ]
    for body, pointer, code in cases:
        r = api.post("admin", HOOKS, json=body)
        problem = assert_problem(r, 422, "validation_failed", pointer)
        assert code in [e["code"] for e in problem["errors"]], (body, problem)
    # private and loopback addresses are refused unless the installation allows them
    app = api.client.app
    app.state.settings = settings.model_copy(update={"webhook_allow_private": False})  # type: ignore[attr-defined]
    try:
        for url in (
            "http://127.0.0.1:8080/",
            "http://10.1.2.3/",
            "http://localhost/x",
            "http://[::1]/",
            "http://169.254.169.254/",
        ):
            problem = assert_problem(
                api.post("admin", HOOKS, json={**good, "url": url}), 422, "webhook.private_address", "/url"
            )
    finally:
        app.state.settings = settings  # type: ignore[attr-defined]
    assert problem["errors"][0]["code"] == "webhook.private_address"
    assert_problem(api.get("admin", f"{HOOKS}/00000000-0000-0000-0000-000000000000"), 404, "not_found")
    assert_problem(api.get("admin", f"{HOOKS}/not-a-uuid"), 422, "validation_failed", "/path/webhook_id")
    assert count() == before
    engine.dispose()


def test_an_update_to_a_private_address_is_refused(api: Api, settings: Settings) -> None:
    hook = subscribe(api, "integration", "https://example.org/hook")
    app = api.client.app
    app.state.settings = settings.model_copy(update={"webhook_allow_private": False})  # type: ignore[attr-defined]
    try:
        r = api.patch("integration", f"{HOOKS}/{hook['id']}", json={"url": "http://192.168.1.10/"})
        assert_problem(r, 422, "webhook.private_address", "/url")
        r = api.patch("integration", f"{HOOKS}/{hook['id']}", json={"events": ["bogus"]})
        assert_problem(r, 422, "validation_failed", "/events/0")
        r = api.patch("integration", f"{HOOKS}/{hook['id']}", json={"url": None})
        assert_problem(r, 422, "required", "/url")
    finally:
        app.state.settings = settings  # type: ignore[attr-defined]
    assert api.get("integration", f"{HOOKS}/{hook['id']}").json()["version"] == 1


def test_delivery_refuses_a_private_address_when_not_allowed(api: Api, settings: Settings, receiver: Receiver) -> None:
    hook = subscribe(api, "integration", receiver.url)
    touch_household(api)
    strict = settings.model_copy(update={"webhook_allow_private": False})
    assert dispatch(strict).failed == 1
    assert receiver.requests == []
    assert "private" in deliveries(api, "integration", hook["id"])[0]["error"]


def test_backoff_doubles_with_bounded_jitter() -> None:
    waits = [backoff(n).total_seconds() for n in range(1, 15)]
    for n, wait in enumerate(waits, start=1):
        base = min(30 * 2 ** (n - 1), 6 * 3600)
        assert base <= wait <= base * 1.2


def test_every_feed_action_in_the_code_is_a_known_event() -> None:
    """Actions written with a literal in the code (audit actions whose feed entry is `<entity>.<verb>`) are
    subscribable; audit-only ones (no feed entry) are listed here."""
    audit_only = {
        "auth.login",
        "auth.refresh_reuse_detected",
        "auth.logout",
        "user.created",
        "user.updated",
        "user.demo_created",
        "api_key.created",
        "api_key.revoked",
        "household.personal_data_read",
        "seed.bulk_load",
        "seed.measures",  # its feed entries are measure.created
        "seed.projects",  # its feed entries are project.created, project_target.created, measure.updated ...
        "webhook.demo_created",
        "export.created",
        "export.downloaded",
    }
    written: set[str] = set()
    for path in (PROJECT_ROOT / "backend" / "fupin").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        written |= set(re.findall(r'action="([a-z_]+\.[a-z_]+)"', source))
        written |= set(re.findall(r'(?:bulk\.)?record_sync\(\s*conn,\s*"[^"]*",\s*"([a-z_]+\.[a-z_]+)"', source))
    assert written, "no actions found"
    known = set(events.all_events())
    assert written - audit_only <= known, (
        f"add to webhooks/events.py KNOWN_EVENTS: {sorted(written - audit_only - known)}"
    )
    assert all(events.is_known_pattern(p) for p in ("household.*", "*", "job.succeeded", "webhook.tested"))
    assert not any(events.is_known_pattern(p) for p in ("household", "household.", ".*", "**", "jobs.*", "ping"))


def test_the_demo_subscription_is_seeded_inactive_with_a_log(api: Api, settings: Settings, database_url: str) -> None:
    from fupin.seed.webhooks import DEMO_WEBHOOK_ID, seed_demo_webhooks

    engine = sync_engine(database_url)
    with engine.begin() as conn:
        assert seed_demo_webhooks(conn, secret_key=settings.secret_key) == 1
        assert seed_demo_webhooks(conn, secret_key=settings.secret_key) == 0
    engine.dispose()
    [hook] = api.get("integration", HOOKS).json()["items"]
    assert hook["id"] == str(DEMO_WEBHOOK_ID) and not hook["active"] and hook["url"] == "http://127.0.0.1:9/"
    log = deliveries(api, "integration", hook["id"])
    assert {d["state"] for d in log} == {"delivered", "gave_up"} and all(d["attempts"] for d in log)
    touch_household(api)
    assert dispatch(settings).sent == 0  # inactive: nothing is sent


def test_the_app_delivers_by_itself(settings: Settings, receiver: Receiver) -> None:
    """The in-process worker's dispatcher: a ping is sent right after its request commits, without a test round."""
    live = settings.model_copy(update={"job_worker": True, "webhook_poll_seconds": 30.0})
    with TestClient(create_app(live), raise_server_exceptions=False) as client:
        api = Api(client)
        hook = subscribe(api, "integration", receiver.url)
        assert api.post("integration", f"{HOOKS}/{hook['id']}/test").status_code == 202
        deadline = time.monotonic() + 15
        while not receiver.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [b["event"] for b in receiver.bodies()] == ["ping"]
        while time.monotonic() < deadline:
            if deliveries(api, "integration", hook["id"])[0]["state"] == "delivered":
                break
            time.sleep(0.05)
        assert deliveries(api, "integration", hook["id"])[0]["state"] == "delivered"


def test_concurrent_dispatchers_send_each_change_once(api: Api, settings: Settings, receiver: Receiver) -> None:
    """Two dispatchers (own engines, as two app instances have) racing over the same feed: every change becomes
    one delivery and is sent once (PostgreSQL: SKIP LOCKED; SQLite: writes take turns)."""
    hook = subscribe(api, "integration", receiver.url)
    changed = [touch_household(api)["id"] for _ in range(5)]

    async def race() -> list[DispatchReport]:
        engines = [make_engine(settings.database_url, 2) for _ in range(2)]
        try:
            return list(
                await asyncio.gather(
                    *(dispatch_once(make_sessionmaker(e, area_guard=True), settings=settings) for e in engines)
                )
            )
        finally:
            for e in engines:
                await e.dispose()

    reports = asyncio.run(race())
    reports.append(dispatch(settings))  # whatever the race left (a claim that lost nothing, a late fan-out)
    assert sum(r.created for r in reports) == 5
    assert receiver.households() == changed  # the same household, five versions
    assert sorted(b["version"] for b in receiver.bodies()) == sorted({b["version"] for b in receiver.bodies()})
    assert len({r["headers"]["X-Fupin-Delivery"] for r in receiver.requests}) == len(receiver.requests) == 5
    assert {d["state"] for d in deliveries(api, "integration", hook["id"])} == {"delivered"}


def test_finished_deliveries_leave_the_log_after_the_retention(
    api: Api, settings: Settings, receiver: Receiver
) -> None:
    hook = subscribe(api, "integration", receiver.url)
    touch_household(api)
    start = utcnow()
    dispatch(settings, start)
    touch_household(api)
    receiver.answers = [500]
    assert dispatch(settings, start + timedelta(days=20)).failed == 1  # still open: never purged
    assert dispatch(settings, start + timedelta(days=20), purge_log=True).purged == 0
    report = dispatch(settings, start + timedelta(days=31), purge_log=True)  # the retry is delivered then
    assert (report.delivered, report.purged) == (1, 1)  # the first delivery, 31 days old, leaves the log
    [left] = deliveries(api, "integration", hook["id"])
    assert left["state"] == "delivered" and datetime.fromisoformat(left["created_at"]) > start + timedelta(days=19)


def test_a_crash_between_send_and_record_sends_again_with_the_same_id(
    api: Api, settings: Settings, receiver: Receiver
) -> None:
    """At least once: a dispatcher that sent but died before recording leaves its claim to expire; the next one
    sends the same delivery (same id and body) again, and the log shows the one recorded attempt."""
    hook = subscribe(api, "integration", receiver.url)
    touch_household(api)
    start = utcnow()

    async def send_and_die() -> None:
        engine = make_engine(settings.database_url, 2)
        sessions = make_sessionmaker(engine, area_guard=True)
        try:
            await fan_out(sessions, now=start)
            [claimed] = await claim_due(sessions, now=start, settings=settings)
            async with new_client(settings) as client:
                assert (await send(client, claimed, now=start, settings=settings)).ok
        finally:
            await engine.dispose()  # the outcome is never recorded

    asyncio.run(send_and_die())
    assert len(receiver.requests) == 1
    [held] = deliveries(api, "integration", hook["id"])
    assert held["state"] == "pending" and held["attempt"] == 0
    assert dispatch(settings, start + timedelta(seconds=30)).sent == 0  # still claimed
    assert dispatch(settings, start + timedelta(seconds=settings.webhook_timeout_seconds + 61)).delivered == 1
    first, second = receiver.requests
    assert first["body"] == second["body"]
    assert first["headers"]["X-Fupin-Delivery"] == second["headers"]["X-Fupin-Delivery"] == held["id"]
    [done] = deliveries(api, "integration", hook["id"])
    assert done["state"] == "delivered" and done["attempt"] == 1


def test_a_revoked_key_hears_nothing_more(api: Api, settings: Settings, receiver: Receiver) -> None:
    key = api.post(
        "admin", "/api/v1/api-keys", json={"name": "对接", "roles": ["integration"], "region_code": OTHER_TOWNSHIP}
    ).json()
    auth = {"Authorization": f"Bearer {key['key']}"}
    r = api.client.post(HOOKS, headers=auth, json={"url": receiver.url, "events": ["household.*"]})
    assert r.status_code == 201, r.text
    touch_household(api, "township2")
    assert dispatch(settings).delivered == 1
    assert api.delete("admin", f"/api/v1/api-keys/{key['id']}").status_code == 204
    touch_household(api, "township2")
    assert dispatch(settings).created == 0 and len(receiver.requests) == 1
    # the entries are passed over, not kept for later
    engine = sync_engine(settings.database_url)
    with engine.connect() as conn:
        cursor = conn.execute(text("SELECT cursor_seq FROM webhook_subscriptions")).scalar_one()
        head = conn.execute(text("SELECT last_seq FROM chain_heads WHERE name = 'changes'")).scalar_one()
    engine.dispose()
    assert cursor == head
