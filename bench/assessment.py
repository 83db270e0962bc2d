"""Benchmark: computing a period's assessment (考核, `assessments.compute`) for every township and village of the
city at a million households, five million measures and two million visits, on PostgreSQL.

A fresh database (`fupin_bench_assessment`, or FUPIN_BENCH_DATABASE_URL) is dropped, created, migrated and seeded
with the demo regions and users and `--households` generated households (the seed's bulk loader, COPY); then,
inside PostgreSQL (INSERT ... SELECT, no round trip per row), what every metric reads:
  * a paired cadre per five households, a first secretary per village (a twentieth of the villages changed
    secretaries on 1 July; in another twentieth the secretary left last year, so a poor village there has none),
    the secretaries' residency days (present, on duty, on leave; from 45% to all of the days);
  * visits: three in ten households never visited in the last 200 days, the others one to three times; six in ten
    also visited once last year (about two million visits);
  * five measures per household over the last five years (one of the current year, some cancelled);
  * an income and a 两不愁三保障 assessment (2020) per household, a few missing; a few exited households at or
    below the line (national, or the provincial one of their standard) or with an item not met: wrong exits;
  * incomplete register rows (no phone, address, housing safety, drinking water or head);
  * findings (a fiftieth of the households' count) on villages and townships, raised over two years: open ones
    past the deadline, some closed late, and a 回头看 of a tenth of the closed ones (raised in the township) that
    found them again;
  * projects (as many) on villages, townships and counties, three milestones each, some late or still open,
    a twentieth removed (出库).
Then, side by side in one run, `--runs` times:
  * APP: `fupin.scoring.compute.run` for the current year as the city office, the way the job does (the owner's
    principal, the job's scope, an area-guarded session), scores stored and committed;
  * SQL: hand-written aggregate statements, one per metric, giving each village's and township's numerator,
    denominator and row count directly (GROUP BY the unit), run with psycopg;
  * the ratio APP / SQL (goal <= 3x) and the absolute seconds; the freezing (which also keeps the records behind
    every shortfall) is timed once, separately;
  * whether the figures agree: every unit's per-indicator numerator, denominator and count in the stored scores
    against the hand-written statements'.
A first, untimed run profiles the app's phases (each metric's statement, the roll-up and scoring in Python, the
storing) beside each hand-written statement. Prints the figures; asserts nothing.

    .venv/bin/python bench/assessment.py [--households 1000000 | --scale 0.01] [--runs 3] [--reuse]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))

from sqlalchemy.engine import make_url  # noqa: E402

from demo_city import dsn_of, fresh_city  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/fupin_bench_assessment"
CITY = "220300000000"  # 四平市
USER = "city_office"
MEASURES_PER_HOUSEHOLD = 5

# %(year)s is the current year, %(today)s today (the app's clock), %(per)s the measures per household,
# %(items)s the number of findings and of projects
FILL = [
    # a paired cadre per five households, a first secretary per village, a successor from 1 July in a twentieth of
    # the villages (ids given: the sequence is set after)
    """
    INSERT INTO cadres (id, public_id, region_code, name, id_number, phone, work_unit, post, kind, active,
                        created_at, updated_at, version)
    SELECT g.n, gen_random_uuid(), g.village, '帮扶干部' || g.n, 'B' || lpad(g.n::text, 17, '0'), NULL,
           '双辽市农业农村局', '科员', 'paired', true, now(), now(), 1
    FROM (SELECT (id - 1) / 5 + 1 AS n, min(village_code) AS village FROM households GROUP BY (id - 1) / 5) g
    """,
    """
    INSERT INTO cadres (id, public_id, region_code, name, id_number, phone, work_unit, post, kind, active,
                        created_at, updated_at, version)
    SELECT m.top + row_number() OVER (ORDER BY v.code), gen_random_uuid(), v.code, '第一书记' || v.code,
           'S' || lpad(v.code, 17, '0'), NULL, '四平市农业农村局', '第一书记', 'first_secretary', true, now(), now(), 1
    FROM regions v, (SELECT max(id) AS top FROM cadres) m
    WHERE v.level = 5
    """,
    """
    INSERT INTO cadres (id, public_id, region_code, name, id_number, phone, work_unit, post, kind, active,
                        created_at, updated_at, version)
    SELECT m.top + row_number() OVER (ORDER BY v.code), gen_random_uuid(), v.code, '接任第一书记' || v.code,
           'R' || lpad(v.code, 17, '0'), NULL, '四平市农业农村局', '第一书记', 'first_secretary', true, now(), now(), 1
    FROM regions v, (SELECT max(id) AS top FROM cadres) m
    WHERE v.level = 5 AND abs(hashtext(v.code)) % 20 = 0
    """,
    "SELECT setval(pg_get_serial_sequence('cadres', 'id'), (SELECT max(id) FROM cadres))",
    """
    INSERT INTO cadre_assignments (public_id, cadre_id, household_id, village_code, kind, starts_on, created_at,
                                   version)
    SELECT gen_random_uuid(), (h.id - 1) / 5 + 1, h.id, h.village_code, 'paired', DATE '2024-01-01', now(), 1
    FROM households h WHERE h.id % 5 <> 0
    """,
    # secretaries from 2024; a successor from 1 July (the predecessor until 30 June); gone since last year
    """
    INSERT INTO cadre_assignments (public_id, cadre_id, household_id, village_code, kind, starts_on, ends_on,
                                   created_at, version)
    SELECT gen_random_uuid(), c.id, NULL, c.region_code, 'first_secretary',
           CASE WHEN c.id_number LIKE 'R%' THEN make_date(%(year)s, 7, 1) ELSE DATE '2024-01-01' END,
           CASE WHEN c.id_number LIKE 'S%' AND abs(hashtext(c.region_code)) % 20 = 0
                THEN make_date(%(year)s, 6, 30)
                WHEN c.id_number LIKE 'S%' AND abs(hashtext(c.region_code)) % 20 = 1
                THEN make_date(%(year)s - 1, 12, 31) END,
           now(), 1
    FROM cadres c WHERE c.kind = 'first_secretary'
    """,
    """
    INSERT INTO residency_days (public_id, cadre_id, region_code, day, kind, created_at, updated_at, version)
    SELECT gen_random_uuid(), c.id, c.region_code, g.d::date,
           CASE WHEN (c.id + g.i) % 11 = 0 THEN 'leave' WHEN (c.id + g.i) % 13 = 0 THEN 'duty' ELSE 'present' END,
           now(), now(), 1
    FROM cadres c,
         generate_series(make_date(%(year)s - 1, 12, 1), DATE '%(today)s', INTERVAL '1 day')
             WITH ORDINALITY AS g(d, i)
    WHERE c.kind = 'first_secretary' AND (g.i * 37 + c.id * 11) % 100 < 45 + (c.id % 6) * 12
    """,
    # visits: as bench/views.py (the last 200 days), and one last year for six in ten households
    """
    INSERT INTO visits (public_id, cadre_id, household_id, village_code, visited_on, content, created_at, version)
    SELECT gen_random_uuid(), (h.id - 1) / 5 + 1, h.id, h.village_code,
           DATE '%(today)s' - ((h.id * 7 + g * 53) % 200), '入户走访', now(), 1
    FROM households h, generate_series(1, 3) g
    WHERE h.id % 10 >= 3 AND g <= 1 + h.id % 3
    """,
    """
    INSERT INTO visits (public_id, cadre_id, household_id, village_code, visited_on, content, created_at, version)
    SELECT gen_random_uuid(), (h.id - 1) / 5 + 1, h.id, h.village_code,
           make_date(%(year)s - 1, 1, 1) + (h.id * 13) % 360, '入户走访', now(), 1
    FROM households h
    WHERE h.id % 10 < 6
    """,
    # five measures per household, one of each of the last five years (statuses cycling, some cancelled)
    """
    INSERT INTO measures (public_id, household_id, village_code, type, content, year, department, amount,
                          planned_on, done_on, status, created_at, updated_at, version)
    SELECT gen_random_uuid(), h.id, h.village_code,
           (ARRAY['industry','employment','education','health','housing','water','relocation','ecological',
                  'safety_net','microcredit','insurance','pv','asset_income','other'])[1 + (h.id + g) % 14],
           '帮扶措施', %(year)s - (h.id + g) % 5, NULL, ((h.id * 13 + g) % 10000) + 0.50,
           make_date(%(year)s - (h.id + g) % 5, 1, 1) + (h.id + g * 97) % 300,
           NULL, (ARRAY['planned','in_progress','done','cancelled'])[1 + (h.id + g) % 4], now(), now(), 1
    FROM households h, generate_series(1, %(per)s) g
    """,
    "UPDATE measures SET done_on = planned_on WHERE status = 'done'",
    # incomes and 两不愁三保障 of 2020 (a few missing); wrong exits: at or below the line, or an item not met
    "UPDATE households SET identification_standard = 'province' WHERE id % 1013 = 0",
    """
    INSERT INTO poverty_lines (year, scope, amount, note, version, created_at, updated_at)
    VALUES (2020, 'province', 4500.00, '省定标准', 1, now(), now())
    """,
    """
    INSERT INTO incomes (household_id, year, wage_income, production_income, property_income, transfer_income,
                         transfer_details, production_costs, household_size, net_income, per_capita_net_income,
                         version, created_at, updated_at)
    SELECT h.id, 2020, i.pc * h.member_count, 0, 0, 0, '{}', 0, h.member_count, i.pc * h.member_count, i.pc,
           1, now(), now()
    FROM households h,
         LATERAL (SELECT CASE WHEN h.id % 997 = 0 THEN 3500.00 WHEN h.id % 1013 = 0 THEN 4200.00
                              ELSE 6000.00 + h.id % 3000 END AS pc) i
    WHERE h.id % 130 <> 9
    """,
    # a later income without a line that year: the latest income decides, and there is no line to be below
    """
    INSERT INTO incomes (household_id, year, wage_income, production_income, property_income, transfer_income,
                         transfer_details, production_costs, household_size, net_income, per_capita_net_income,
                         version, created_at, updated_at)
    SELECT h.id, 2021, 3000.00 * h.member_count, 0, 0, 0, '{}', 0, h.member_count, 3000.00 * h.member_count,
           3000.00, 1, now(), now()
    FROM households h WHERE h.id % 997 = 0 AND h.id % 3 = 0
    """,
    """
    INSERT INTO assessments (household_id, year, food_clothing, compulsory_education, basic_medical, safe_housing,
                             safe_drinking_water, evidence, assessed_on, assessor, version, created_at, updated_at)
    SELECT h.id, 2020, true, true, true, h.id % 1009 <> 0, true, '{}', DATE '2020-11-15', '村两委入户核查',
           1, now(), now()
    FROM households h WHERE h.id % 140 <> 10
    """,
    """
    UPDATE households SET
        phone = CASE WHEN id % 150 = 3 THEN NULL WHEN id % 150 = 4 THEN '' ELSE phone END,
        address = CASE WHEN id % 170 = 5 THEN '' ELSE address END,
        housing_safety = CASE WHEN id % 190 = 6 THEN NULL ELSE housing_safety END,
        safe_drinking_water = CASE WHEN id % 210 = 7 THEN NULL ELSE safe_drinking_water END,
        head_member_id = CASE WHEN id % 230 = 8 THEN NULL ELSE head_member_id END
    WHERE id % 150 IN (3, 4) OR id % 170 = 5 OR id % 190 = 6 OR id % 210 = 7 OR id % 230 = 8
    """,
    # findings on villages (six in seven) and townships, raised over two years; by g % 10: 0-3 closed (some after
    # the deadline), 4-8 open (overdue days as the deadline job keeps them; a few paused: none), 9 transferred
    """
    INSERT INTO findings (public_id, year, number, source, batch, category, severity, timeframe, description,
                          region_code, lead_unit, responsible_unit, raised_on, deadline, state, closed_by,
                          closed_on, reopened, overdue_days, yellow_count, paused, version, created_at, updated_at)
    SELECT gen_random_uuid(), extract(year FROM f.raised_on)::int, f.g, 'special_supervision', '专项督查',
           'precision', 'general', 'short', '督查发现问题' || f.g, f.region, '市扶贫办', '责任单位', f.raised_on,
           f.deadline,
           CASE WHEN f.g % 10 < 4 AND f.deadline - 10 + f.g % 25 <= DATE '%(today)s' THEN 'closed'
                WHEN f.g % 10 = 9 THEN 'transferred'
                ELSE (ARRAY['pending','rectifying','submitted','returned'])[1 + f.g % 4] END,
           NULL,
           CASE WHEN f.g % 10 < 4 AND f.deadline - 10 + f.g % 25 <= DATE '%(today)s'
                THEN f.deadline - 10 + f.g % 25 END,
           false,
           CASE WHEN f.g % 10 BETWEEN 4 AND 8 AND f.g % 23 <> 0 THEN greatest(0, DATE '%(today)s' - f.deadline)
                ELSE 0 END,
           0, false, 1, now(), now()
    FROM (SELECT g, r.code AS region,
                 least(make_date(%(year)s - 1, 1, 1) + (g * 7) % 700, DATE '%(today)s') AS raised_on,
                 least(make_date(%(year)s - 1, 1, 1) + (g * 7) % 700, DATE '%(today)s') + 30 + g % 90 AS deadline
          FROM generate_series(1, %(items)s) g
          JOIN (SELECT code, level, row_number() OVER (PARTITION BY level ORDER BY code) - 1 AS rn,
                       count(*) OVER (PARTITION BY level) AS cnt
                FROM regions WHERE level IN (4, 5) AND code LIKE '2203%') r
            ON r.level = CASE WHEN g % 7 = 0 THEN 4 ELSE 5 END AND r.rn = g % r.cnt) f
    """,
    # a 回头看 (raised in the finding's township, 60 days after the closing) found a tenth of the closed ones again
    """
    INSERT INTO findings (public_id, year, number, source, batch, category, severity, timeframe, description,
                          region_code, lead_unit, responsible_unit, raised_on, deadline, state, reopened,
                          overdue_days, yellow_count, paused, source_system, external_id, version, created_at,
                          updated_at)
    SELECT gen_random_uuid(), extract(year FROM least(f.closed_on + 60, DATE '%(today)s'))::int,
           %(items)s + f.id, 're_inspection', '回头看', 'precision', 'general', 'short', '回头看重新发现' || f.id,
           substr(f.region_code, 1, 9) || '000', '市扶贫办', '责任单位', least(f.closed_on + 60, DATE '%(today)s'),
           least(f.closed_on + 60, DATE '%(today)s') + 30, 'pending', false, 0, 0, false, 'bench-recheck',
           f.id::text, 1, now(), now()
    FROM findings f WHERE f.state = 'closed' AND f.id % 10 = 0
    """,
    """
    UPDATE findings f SET reopened = true, reopened_by_id = r.id
    FROM findings r WHERE r.source_system = 'bench-recheck' AND r.external_id = f.id::text
    """,
    # projects on villages (8 in 10), townships and counties; three milestones each: by (id + k) % 5 still open,
    # reached ten days late, or in time
    """
    INSERT INTO projects (public_id, code, name, category, level, nature, year, county_code, area_code,
                          responsible_unit, planned_start_on, due_on, stage, entered_library_on, health, version,
                          created_at, updated_at)
    SELECT gen_random_uuid(), 'XM-' || lpad(g::text, 6, '0'), '扶贫项目' || g,
           (ARRAY['industry','road','water','housing','education'])[1 + g % 5], 'county', 'new', %(year)s,
           substr(r.code, 1, 6) || '000000', r.code, '责任单位',
           make_date(%(year)s - 1, 10, 1) + g % 200, make_date(%(year)s - 1, 10, 1) + g % 200 + 300,
           CASE WHEN g % 20 = 0 THEN 'removed' WHEN g % 10 = 1 THEN 'completed' ELSE 'implementing' END,
           make_date(%(year)s - 1, 10, 1) + g % 200, 'on_track', 1, now(), now()
    FROM generate_series(1, %(items)s) g
    JOIN (SELECT code, level, row_number() OVER (PARTITION BY level ORDER BY code) - 1 AS rn,
                 count(*) OVER (PARTITION BY level) AS cnt
          FROM regions WHERE level IN (3, 4, 5) AND code LIKE '2203%') r
      ON r.level = CASE WHEN g % 20 = 3 THEN 3 WHEN g % 20 IN (4, 5, 6) THEN 4 ELSE 5 END AND r.rn = g % r.cnt
    """,
    "INSERT INTO project_regions (project_id, region_code) SELECT id, area_code FROM projects",
    """
    INSERT INTO project_milestones (public_id, project_id, position, name, due_on, done_on, created_at, version)
    SELECT gen_random_uuid(), p.id, k, '节点' || k, p.planned_start_on + k * 90,
           CASE (p.id + k) % 5
               WHEN 0 THEN NULL
               WHEN 1 THEN CASE WHEN p.planned_start_on + k * 90 + 10 <= DATE '%(today)s'
                                THEN p.planned_start_on + k * 90 + 10 END
               ELSE CASE WHEN p.planned_start_on + k * 90 - 5 <= DATE '%(today)s'
                         THEN p.planned_start_on + k * 90 - 5 END
           END,
           now(), 1
    FROM projects p, generate_series(1, 3) k
    """,
    # as autovacuum would have left a live database: statistics, and the visibility map index-only scans use
    "VACUUM ANALYZE",
]

TABLES = (
    "regions",
    "households",
    "incomes",
    "assessments",
    "poverty_lines",
    "visits",
    "measures",
    "cadres",
    "cadre_assignments",
    "residency_days",
    "findings",
    "projects",
    "project_milestones",
)


def today() -> date:
    from fupin.findings import clock

    return clock.today()


def prepare(url: str, households: int) -> None:
    fresh_city(url, households)
    values = {
        "year": str(today().year),
        "today": today().isoformat(),
        "per": str(MEASURES_PER_HOUSEHOLD),
        "items": str(max(100, households // 50)),
    }
    with psycopg.connect(dsn_of(url), autocommit=True) as conn:
        for statement in FILL:
            started = time.perf_counter()
            for key, value in values.items():
                statement = statement.replace(f"%({key})s", value)
            conn.execute(statement)
            words = statement.split()
            print(f"  {' '.join(words[:3])[:40]:<40} {time.perf_counter() - started:6.1f} s")


def counts(dsn: str) -> dict[str, int]:
    with psycopg.connect(dsn) as conn:
        return {t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in TABLES}  # type: ignore[index]


# ---------------------------------------------------------------- the hand-written statements

# Each gives (region, numerator, denominator, rows) per finest region; ROLLUP adds them up to the villages and the
# townships (a fact of a village counts for it and its township, a township's own for the township, a county's for
# neither), within the city, for the units the region table has.
ROLLUP = """
SELECT u.unit, sum(m.num)::bigint, sum(m.den)::bigint, sum(m.n)::bigint
FROM ({facts}) m
CROSS JOIN LATERAL (VALUES
    (CASE WHEN substr(m.region, 10, 3) <> '000' THEN m.region END),
    (CASE WHEN substr(m.region, 7, 3) <> '000' THEN substr(m.region, 1, 9) || '000' END)) u(unit)
JOIN regions r ON r.code = u.unit AND r.level IN (4, 5)
WHERE m.region LIKE %(prefix)s
GROUP BY u.unit
"""

REGISTERED = "h.status NOT IN ('removed', 'exited_no_policy')"

SQL: dict[str, str] = {
    "visit_coverage": f"""
        SELECT h.village_code AS region, count(v.household_id) AS num, count(*) AS den, count(*) AS n
        FROM households h
        LEFT JOIN (SELECT DISTINCT household_id FROM visits
                   WHERE visited_on BETWEEN %(starts_on)s AND %(as_of)s) v ON v.household_id = h.id
        WHERE {REGISTERED}
        GROUP BY h.village_code""",
    "measure_coverage": f"""
        SELECT h.village_code AS region, count(m.household_id) AS num, count(*) AS den, count(*) AS n
        FROM households h
        LEFT JOIN (SELECT DISTINCT household_id FROM measures
                   WHERE year = %(year)s AND status <> 'cancelled') m ON m.household_id = h.id
        WHERE {REGISTERED}
        GROUP BY h.village_code""",
    "register_completeness": f"""
        SELECT h.village_code AS region,
               count(*) FILTER (WHERE h.head_member_id IS NOT NULL AND coalesce(h.phone, '') <> ''
                                  AND coalesce(h.address, '') <> '' AND h.housing_safety IS NOT NULL
                                  AND h.safe_drinking_water IS NOT NULL AND i.household_id IS NOT NULL
                                  AND a.household_id IS NOT NULL) AS num,
               count(*) AS den, count(*) AS n
        FROM households h
        LEFT JOIN (SELECT DISTINCT household_id FROM incomes WHERE year <= %(year)s) i ON i.household_id = h.id
        LEFT JOIN (SELECT DISTINCT household_id FROM assessments WHERE year <= %(year)s) a
               ON a.household_id = h.id
        WHERE {REGISTERED}
        GROUP BY h.village_code""",
    # the days of the village's first secretaries while they held it in the period, capped at the days due; a poor
    # village without one is due them all
    "residency": """
        WITH due AS (
            SELECT greatest(1, round(200.0 * (%(as_of)s::date - %(starts_on)s::date + 1)
                                     / (make_date(%(year)s, 12, 31) - make_date(%(year)s, 1, 1) + 1)))::int AS days
        ), held AS (
            SELECT a.village_code, a.cadre_id, greatest(a.starts_on, %(starts_on)s) AS first_day,
                   least(coalesce(a.ends_on, %(as_of)s), %(as_of)s) AS last_day
            FROM cadre_assignments a
            WHERE a.kind = 'first_secretary' AND a.household_id IS NULL AND a.starts_on <= %(as_of)s
              AND (a.ends_on IS NULL OR a.ends_on >= %(starts_on)s)
        ), present AS (
            SELECT held.village_code, count(d.id) AS days
            FROM held LEFT JOIN residency_days d
              ON d.cadre_id = held.cadre_id AND d.day BETWEEN held.first_day AND held.last_day
             AND d.kind IN ('present', 'duty')
            GROUP BY held.village_code
        )
        SELECT v.code AS region, least(coalesce(p.days, 0), due.days) AS num, due.days AS den, 1 AS n
        FROM regions v CROSS JOIN due LEFT JOIN present p ON p.village_code = v.code
        WHERE v.level = 5 AND (v.is_poor_village OR p.village_code IS NOT NULL)""",
    # exited households whose latest income (up to the year) since the exit is at or below that year's line of
    # their standard (else the national one), or whose latest assessment since the exit has an item not met
    "wrong_exit_candidates": """
        WITH latest_income AS (
            SELECT DISTINCT ON (household_id) household_id, year, per_capita_net_income
            FROM incomes WHERE year <= %(year)s ORDER BY household_id, year DESC
        ), latest_assessment AS (
            SELECT DISTINCT ON (household_id) household_id, year,
                   food_clothing AND compulsory_education AND basic_medical AND safe_housing
                   AND safe_drinking_water AS all_met
            FROM assessments WHERE year <= %(year)s ORDER BY household_id, year DESC
        )
        SELECT h.village_code AS region, count(*) AS num, 0 AS den, count(*) AS n
        FROM households h
        LEFT JOIN latest_income i ON i.household_id = h.id AND i.year >= h.exit_year
        LEFT JOIN poverty_lines own ON own.year = i.year AND own.scope = h.identification_standard
        LEFT JOIN poverty_lines nat ON nat.year = i.year AND nat.scope = 'national'
        LEFT JOIN latest_assessment a ON a.household_id = h.id AND a.year >= h.exit_year
        WHERE h.status IN ('exited_with_policy', 'exited_no_policy') AND h.exit_year <= %(year)s
          AND (i.per_capita_net_income <= coalesce(own.amount, nat.amount) OR NOT a.all_met)
        GROUP BY h.village_code""",
    "overdue_findings": """
        SELECT region_code AS region, count(*) AS num, 0 AS den, count(*) AS n
        FROM findings
        WHERE raised_on <= %(as_of)s AND deadline <= %(as_of)s
          AND ((state IN ('pending', 'rectifying', 'submitted', 'returned') AND overdue_days > 0)
               OR (closed_on > deadline AND closed_on BETWEEN %(starts_on)s AND %(as_of)s))
        GROUP BY region_code""",
    "reopened_findings": """
        SELECT f.region_code AS region, count(*) AS num, 0 AS den, count(*) AS n
        FROM findings f JOIN findings again ON again.id = f.reopened_by_id
        WHERE f.reopened AND again.raised_on BETWEEN %(starts_on)s AND %(as_of)s
        GROUP BY f.region_code""",
    "milestone_delays": """
        SELECT p.area_code AS region, count(*) AS num, 0 AS den, count(*) AS n
        FROM project_milestones m JOIN projects p ON p.id = m.project_id
        WHERE p.stage <> 'removed' AND m.due_on BETWEEN %(starts_on)s AND %(as_of)s
          AND ((m.done_on IS NULL AND m.due_on < %(as_of)s) OR m.done_on > m.due_on)
        GROUP BY p.area_code""",
}

Figures = dict[tuple[str, str], tuple[int, int, int]]  # (unit, metric) → (numerator, denominator, rows)


def run_sql(dsn: str, params: dict[str, Any]) -> tuple[float, dict[str, float], Figures]:
    """All the hand-written statements in one connection: the total seconds, each statement's, the figures."""
    figures: Figures = {}
    each: dict[str, float] = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        started = time.perf_counter()
        for metric, facts in SQL.items():
            t0 = time.perf_counter()
            rows = conn.execute(ROLLUP.format(facts=facts), params).fetchall()
            each[metric] = time.perf_counter() - t0
            for unit, num, den, n in rows:
                figures[(unit, metric)] = (int(num), int(den), int(n))
        total = time.perf_counter() - started
    return total, each, figures


# ---------------------------------------------------------------- the app's computation


@dataclass
class Timings:
    """The statements a session executed, timed (for the profile run)."""

    statements: list[tuple[Any, float]] = field(default_factory=list)

    def label(self, stmt: Any) -> str:
        text = str(stmt)
        found = re.search(r"facts_(\w+)", text)
        if found:
            return f"{'keep' if text.startswith('INSERT') else 'facts'} {found.group(1)}"
        return " ".join(text.split()[:3])[:40]


class TimedSession:
    """The session, with every `execute` timed; everything else passed through."""

    def __init__(self, session: Any, timings: Timings) -> None:
        self._session = session
        self._timings = timings

    async def execute(self, stmt: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        result = await self._session.execute(stmt, *args, **kwargs)
        self._timings.statements.append((stmt, time.perf_counter() - started))
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


async def reset_periods(url: str) -> None:
    """No period yet (an earlier run's, with its scores and kept records, removed); the current year opened as the
    city office."""
    from sqlalchemy import delete

    from fupin.core.db import make_engine, make_sessionmaker
    from fupin.scoring import service
    from fupin.scoring.models import Period
    from fupin.scoring.schemas import PeriodIn

    engine = make_engine(url, 1)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            await session.execute(delete(Period))
            principal = await city_office(session)
            await service.create_period(session, principal, data=PeriodIn(period=str(today().year)))
    finally:
        await engine.dispose()


async def city_office(session: Any) -> Any:
    """The city office as a job's owner: the principal the computation job runs on behalf of."""
    from sqlalchemy import select

    from fupin.authz.deps import job_owner
    from fupin.authz.roles import Permission
    from fupin.authz.scope import unscoped
    from fupin.users.models import User

    stmt = select(User).where(User.username == USER).execution_options(**unscoped("the benchmark's user"))
    user = (await session.execute(stmt)).scalar_one()
    return await job_owner(
        session,
        owner_type="user",
        owner_id=str(user.public_id),
        region_code=user.region_code,
        needs=Permission.ASSESSMENTS_MANAGE,
    )


async def run_app(url: str, *, freeze: bool, timings: Timings | None = None) -> tuple[float, dict[str, int], float]:
    """One computation of the period for the city as the job runs it (the owner's principal, the job's scope, an
    area-guarded session, committed): the seconds, the job's counts, and the commit's seconds."""
    from fupin.authz.deps import job_scope
    from fupin.core.db import make_engine, make_sessionmaker
    from fupin.scoring import compute
    from fupin.scoring import repository as repo

    engine = make_engine(url, 1)
    try:
        sessions = make_sessionmaker(engine, area_guard=True)
        async with sessions() as warm:  # the connection opened before the clock starts, as a worker's is
            await warm.connection()
        started = time.perf_counter()
        async with sessions() as session:
            async with session.begin():
                principal = await city_office(session)
                period = await repo.period_for_update(session, str(today().year))
                work: Any = session if timings is None else TimedSession(session, timings)
                result = await compute.run(work, principal, job_scope(CITY), period=period, freeze=freeze)
                committing = time.perf_counter()
            done = time.perf_counter()
        return done - started, result, done - committing
    finally:
        await engine.dispose()


async def stored_figures(url: str) -> tuple[Figures, int]:
    """The figures of every stored score of the period (each indicator's numerator, denominator and count), and how
    many records the period keeps."""
    from sqlalchemy import func, select

    from fupin.authz.scope import unscoped
    from fupin.core.db import make_engine, make_sessionmaker
    from fupin.scoring.models import FactRecord, Period, Score

    engine = make_engine(url, 1)
    figures: Figures = {}
    try:
        async with make_sessionmaker(engine)() as session:
            everything = unscoped("the benchmark compares every stored score")
            stmt = (
                select(Score.region_code, Score.items)
                .join(Period, Period.id == Score.period_id)
                .where(Period.code == str(today().year))
                .execution_options(**everything)
            )
            for region_code, items in (await session.execute(stmt)).all():
                for item in items:
                    figures[(region_code, item["metric"])] = (item["numerator"], item["denominator"], item["count"])
            kept_stmt = select(func.count()).select_from(FactRecord).execution_options(**everything)
            kept = int((await session.execute(kept_stmt)).scalar_one())
    finally:
        await engine.dispose()
    return figures, kept


def compare(app: Figures, sql: Figures) -> tuple[int, int, list[str]]:
    """Units agreeing on every metric, units compared, and the disagreements (unit, metric, app vs SQL). A unit
    the hand-written statements give no row at all is not scored (nothing to assess); a metric without a row is
    (0, 0, 0) there."""
    metrics = list(SQL)
    sql_units = {unit for (unit, _m), (_n, _d, rows) in sql.items() if rows}
    app_units = {unit for unit, _m in app}
    agree, out = 0, []
    for unit in sorted(sql_units | app_units):
        bad = []
        for metric in metrics:
            mine = sql.get((unit, metric), (0, 0, 0)) if unit in sql_units else None
            theirs = app.get((unit, metric)) if unit in app_units else None
            if mine != theirs:
                bad.append(f"{unit} {metric}: app {theirs} sql {mine}")
        if bad:
            out.extend(bad)
        else:
            agree += 1
    return agree, len(sql_units | app_units), out


def city_totals(figures: Figures) -> str:
    """Each metric's numerator/denominator (rows) summed over the townships: what the data gives every metric."""
    out = []
    for metric in SQL:
        sums = [0, 0, 0]
        for (unit, m), values in figures.items():
            if m == metric and unit.endswith("000"):
                sums = [a + b for a, b in zip(sums, values, strict=True)]
        out.append(f"{metric} {sums[0]:,}/{sums[1]:,} ({sums[2]:,} rows)")
    return ", ".join(out)


def profile(title: str, timings: Timings, total: float, commit: float, sql_each: dict[str, float]) -> None:
    executed = 0.0
    print(title)
    for stmt, seconds in timings.statements:
        label = timings.label(stmt)
        executed += seconds
        metric = label.removeprefix("facts ")
        beside = f"   SQL {sql_each[metric]:7.2f} s" if metric in sql_each else ""
        print(f"  {label:<40} {seconds:7.2f} s{beside}")
    print(f"  {'commit':<40} {commit:7.2f} s")
    print(f"  {'python (roll-up, scoring, ranking, ORM)':<40} {total - executed - commit:7.2f} s")
    beside = f"   SQL {sum(sql_each.values()):7.2f} s" if sql_each else ""
    print(f"  {'total':<40} {total:7.2f} s{beside}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--scale", type=float, help="households as a share of a million (0.01: 10,000)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep the database of an earlier run")
    args = parser.parse_args()
    households = int(1_000_000 * args.scale) if args.scale else args.households
    url = os.environ.get("FUPIN_BENCH_DATABASE_URL", DEFAULT_URL)
    dsn = dsn_of(url)
    if not args.reuse:
        print(f"preparing {make_url(url).database}: {households:,} households ...")
        prepare(url, households)
    print("rows: " + ", ".join(f"{t} {n:,}" for t, n in counts(dsn).items()))

    from fupin.scoring.compute import window_of
    from fupin.scoring.models import Period
    from fupin.scoring.schemas import period_dates

    year, starts_on, ends_on = period_dates(str(today().year))
    window = window_of(Period(year=year, starts_on=starts_on, ends_on=ends_on), today())
    params = {"year": year, "starts_on": starts_on, "as_of": window.as_of, "prefix": CITY[:4] + "%"}
    print(f"period {year}: {starts_on} .. {window.as_of}, the city {CITY} as {USER}")

    asyncio.run(reset_periods(url))
    timings = Timings()
    total, result, commit = asyncio.run(run_app(url, freeze=False, timings=timings))
    _, sql_each, _ = run_sql(dsn, params)
    print(f"  computed: {result}")
    profile(
        "profile (untimed first run): the app's statements, and the hand-written one of each metric",
        timings,
        total,
        commit,
        sql_each,
    )

    apps, sqls = [], []
    sql_figures: Figures = {}
    for n in range(args.runs):
        app, _result, _commit = asyncio.run(run_app(url, freeze=False))
        sql, _each, sql_figures = run_sql(dsn, params)
        apps.append(app)
        sqls.append(sql)
        print(f"  run {n + 1}: APP {app:7.2f} s   SQL {sql:7.2f} s   ratio {app / sql:5.2f}x")
    app_p50, sql_p50 = statistics.median(apps), statistics.median(sqls)
    print(
        f"compute {year} for the city: APP median {app_p50:.2f} s   SQL median {sql_p50:.2f} s   "
        f"ratio {app_p50 / sql_p50:.2f}x   (goal <= 3x; {args.runs} runs)"
    )

    print(f"figures over the townships (SQL): {city_totals(sql_figures)}")
    app_figures, _kept = asyncio.run(stored_figures(url))
    agree, compared, disagreements = compare(app_figures, sql_figures)
    print(f"figures agree: {agree} of {compared} units ({len(disagreements)} disagreements)")
    for line in disagreements[:10]:
        print(f"  {line}")

    timings = Timings()
    frozen, result, commit = asyncio.run(run_app(url, freeze=True, timings=timings))
    _figures, kept = asyncio.run(stored_figures(url))
    print(
        f"freeze {year}: APP {frozen:.2f} s ({kept:,} records kept)   ratio to SQL median {frozen / sql_p50:.2f}x   "
        f"{result}"
    )
    profile("profile of the freezing", timings, frozen, commit, {})


if __name__ == "__main__":
    main()
