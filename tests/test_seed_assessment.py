"""The demo seed's assessment (what `make run` shows on the ranking page): the published half year frozen with the
records behind it, the year computed; through the assessment's own computation; once only."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

from sqlalchemy import text

from fupin.seed.assessment import demo_periods, seed_assessment
from fupin.seed.bulk import sync_engine
from tests.conftest import app_settings


def test_demo_periods_are_a_past_half_and_the_year() -> None:
    assert demo_periods(date(2026, 12, 3)) == ("2026H1", "2026")
    assert demo_periods(date(2026, 3, 1)) == ("2025H2", "2026")


def test_the_demo_ranking_is_frozen_once(database_url: str, tmp_path: Path) -> None:
    settings = app_settings(database_url, tmp_path)
    today = date.today()
    published, current = demo_periods(today)
    assert asyncio.run(seed_assessment(settings, today)) == 2
    assert asyncio.run(seed_assessment(settings, today)) == 0
    engine = sync_engine(database_url)
    try:
        with engine.connect() as conn:
            periods = dict(conn.execute(text("SELECT code, state FROM assessment_periods")).all())
            ranked = conn.execute(
                text(
                    "SELECT p.code, s.level, COUNT(*), SUM(CASE WHEN s.bottom_three THEN 1 ELSE 0 END), MIN(s.rank) "
                    "FROM assessment_scores s JOIN assessment_periods p ON p.id = s.period_id GROUP BY p.code, s.level"
                )
            ).all()
            kept = conn.execute(
                text(
                    "SELECT COUNT(*) FROM assessment_fact_records r JOIN assessment_periods p ON p.id = r.period_id "
                    "WHERE p.code = :c"
                ),
                {"c": published},
            ).scalar_one()
            events = [
                r[0]
                for r in conn.execute(text("SELECT action FROM audit_events WHERE entity_type = 'assessment_period'"))
            ]
    finally:
        engine.dispose()
    assert periods == {published: "frozen", current: "computed"}
    by_key = {(code, level): (n, bottom, best) for code, level, n, bottom, best in ranked}
    for code in (published, current):
        for level in ("township", "village"):
            n, bottom, best = by_key[(code, level)]
            assert n > 3 and bottom >= 3 and best == 1
    assert kept > 0  # the frozen period keeps the records behind its shortfalls
    assert sorted(events) == sorted(
        ["assessment_period.created"] * 2 + ["assessment_period.frozen", "assessment_period.computed"]
    )
