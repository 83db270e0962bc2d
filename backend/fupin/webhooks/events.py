"""The events a subscription may name: `<entity_type>.<action>` of the change-feed entries `audit.chain` writes
(the feed stores the last part of the audit action as its action, e.g. household.status_changed →
("household", "status_changed")). A pattern is an event, `<entity_type>.*` or `*`.

A module that starts writing a new kind of feed entry adds it here (tests/test_webhooks.py checks the actions
written in the code against this list)."""

from __future__ import annotations

from collections.abc import Iterable

KNOWN_EVENTS: dict[str, tuple[str, ...]] = {
    "household": ("created", "updated", "status_changed", "head_changed"),
    "member": ("added", "updated", "removed"),
    "income": ("created", "updated"),
    "assessment": ("created", "updated"),
    "poverty_line": ("updated",),
    "job": ("queued", "started", "resumed", "succeeded", "failed", "cancelled", "cancel_requested"),
    "webhook": ("created", "updated", "deleted", "secret_rotated", "tested"),
    "adjustment_window": ("created", "updated"),
    "pending_change": ("requested", "cancelled", "failed"),
    "measure": ("created", "updated", "status_changed"),
    "department": ("updated",),
    "cadre": ("created", "updated"),
    "assignment": ("created", "ended", "updated"),
    "visit": ("created", "updated"),
    "residency_day": ("recorded", "updated"),
    "evidence": ("added", "updated"),
    "project": ("created", "updated", "stage_changed"),
    "project_target": ("created", "updated", "actual_reported"),
    "project_milestone": ("created", "updated"),
    "project_beneficiary": ("linked", "unlinked"),
    "project_notice": ("created", "updated"),
    "fund_allocation": ("created", "published"),
    "fund_disbursement": ("created",),
    "finding": ("created", "updated", "state_changed", "warned", "escalated"),
    "finding_pause": ("started", "ended"),
    "finding_task": ("created", "updated", "deleted"),
    "finding_link": ("linked", "unlinked"),
    "assessment_period": ("created", "computed", "frozen"),
    "assessment_indicators": ("updated",),
}
PING = "ping"  # sent by webhooks-test; every subscription receives it, whatever its events


def all_events() -> list[str]:
    return [f"{entity}.{action}" for entity, actions in KNOWN_EVENTS.items() for action in actions]


def is_known_pattern(pattern: str) -> bool:
    if pattern == "*":
        return True
    entity, dot, action = pattern.partition(".")
    if not dot or entity not in KNOWN_EVENTS:
        return False
    return action == "*" or action in KNOWN_EVENTS[entity]


def event_name(entity_type: str, action: str) -> str:
    return f"{entity_type}.{action}"


def matches(patterns: Iterable[str], event: str) -> bool:
    entity = event.partition(".")[0]
    return any(p == "*" or p == event or p == f"{entity}.*" for p in patterns)
