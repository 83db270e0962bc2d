"""Demo assessment (考核): the city office assessed the first half of the year and published (froze) its ranking,
and computed the year so far. Done through the assessment's own services and computation, as the city office, on
the demo facts (visits, measures, residency, findings, milestones), so the ranking page and its drill-down show
real figures. Once: nothing when a period exists."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from fupin.authz.deps import job_owner
from fupin.authz.roles import Permission
from fupin.authz.scope import unscoped
from fupin.config import Settings
from fupin.core.db import make_engine, make_sessionmaker
from fupin.scoring import compute
from fupin.scoring import service as assessments
from fupin.scoring.models import Period
from fupin.scoring.schemas import PeriodIn
from fupin.users.models import User


def demo_periods(today: date) -> tuple[str, str]:
    """The published period (the first half of this year once it is over, else the second half of last year) and
    the year being computed."""
    published = f"{today.year}H1" if today >= date(today.year, 7, 1) else f"{today.year - 1}H2"
    return published, str(today.year)


async def seed_assessment(settings: Settings, today: date) -> int:
    """Freeze the published period and compute this year's; how many periods were added."""
    engine = make_engine(settings.database_url, 1)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            if (await session.execute(select(Period.id).limit(1))).first():
                return 0
            stmt = select(User).where(User.username == "city_office").execution_options(**unscoped("the demo user"))
            user = (await session.execute(stmt)).scalar_one_or_none()
            if user is None:
                return 0
            principal = await job_owner(
                session,
                owner_type="user",
                owner_id=str(user.public_id),
                region_code=user.region_code,
                needs=Permission.ASSESSMENTS_MANAGE,
            )
            published, current = demo_periods(today)
            for code, freeze in ((published, True), (current, False)):
                period = await assessments.create_period(session, principal, data=PeriodIn(period=code))
                await compute.run(session, principal, principal.scope, period=period, freeze=freeze)
            return 2
    finally:
        await engine.dispose()
