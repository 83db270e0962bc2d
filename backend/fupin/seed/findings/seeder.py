"""Acting as the demo users: each finding raised, worked through its story on its own days through the findings'
services, then the daily deadlines check for today."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.adjustments import clock
from fupin.authz.deps import job_owner, job_scope
from fupin.authz.principal import Principal
from fupin.authz.roles import Permission
from fupin.authz.scope import unscoped
from fupin.config import Settings
from fupin.core.db import make_engine, make_sessionmaker
from fupin.evidence import service as evidence
from fupin.evidence.schemas import EvidenceForm
from fupin.findings import deadlines, service, tasks, workflow
from fupin.findings import evidence as _finding_evidence  # noqa: F401  (registers findings as evidence owners)
from fupin.findings.models import OPEN_STATES, Finding
from fupin.findings.schemas import FindingCreate, FindingTransitionIn, PauseIn, TaskIn, TaskUpdate
from fupin.households.models import Household
from fupin.measures.models import Measure
from fupin.projects.models import Project
from fupin.seed.findings.files import demo_pdf, demo_png, staged_file
from fupin.seed.findings.stories import FINDINGS, INSPECTOR, RECTIFIER, SEED_RUN, Act, Demo, batches
from fupin.users.models import User

# ---------------------------------------------------------------- acting as the demo users


@dataclass
class Seeder:
    session: AsyncSession
    settings: Settings
    today: date
    users: dict[str, User]
    principals: dict[tuple[str, Permission], Principal] = field(default_factory=dict)
    files: int = 0
    households_used: dict[str, int] = field(default_factory=dict)  # per region: linked ones, so each differs
    clock_day: date | None = None

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    async def as_user(self, username: str, needs: Permission) -> Principal:
        """The demo user as a request would see them, refused (OwnerGone) without the permission the step needs."""
        key = (username, needs)
        if key not in self.principals:
            user = self.users[username]
            self.principals[key] = await job_owner(
                self.session,
                owner_type="user",
                owner_id=str(user.public_id),
                region_code=user.region_code,
                needs=needs,
            )
        return self.principals[key]

    @contextmanager
    def on(self, offset: int) -> Iterator[None]:
        """The findings clock on that day, so what the services date by it (closing day, task and pause checks)
        reads as done then. Nested: the day before it again afterwards; outermost: the configured clock."""
        before = self.clock_day
        self.clock_day = self.day(offset)
        clock.configure(self.settings.model_copy(update={"adjustment_today": self.clock_day}))
        try:
            yield
        finally:
            self.clock_day = before
            restored = (
                self.settings if before is None else self.settings.model_copy(update={"adjustment_today": before})
            )
            clock.configure(restored)

    async def links(self, principal: Principal, demo: Demo) -> list[dict[str, Any]]:
        """Real records of the finding's region, seen through the raiser's area: the first households, the first
        projects of the region, measures of a type."""
        scope = principal.scope.narrowed_to(demo.region)
        wanted: dict[str, int] = {}
        for link in demo.links:
            wanted[link] = wanted.get(link, 0) + 1
        found: list[dict[str, Any]] = []
        for link, count in wanted.items():
            kind, _, measure_type = link.partition(":")
            stmt: Any
            if kind == "household":
                used = self.households_used.get(demo.region, 0)
                self.households_used[demo.region] = used + count
                stmt = scope.select(Household.public_id, area_of=Household).where(Household.status != "removed")
                stmt = stmt.order_by(Household.id).offset(used)
            elif kind == "project":
                stmt = scope.select(Project.public_id, area_of=Project).order_by(Project.id)
            else:
                stmt = scope.select(Measure.public_id, area_of=Measure).where(Measure.type == measure_type)
                stmt = stmt.order_by(Measure.id)
            ids = (await self.session.execute(stmt.limit(count))).scalars().all()
            found += [{"type": kind, "id": public_id} for public_id in ids]
        return found

    async def raise_finding(self, demo: Demo, names: dict[str, tuple[str, str]], raised: dict[int, Finding]) -> Finding:
        inspector = await self.as_user(INSPECTOR, Permission.FINDINGS_WRITE)
        batch, source = names[demo.batch]
        data = FindingCreate.model_validate(
            {
                "source": "re_inspection" if demo.reopens is not None else source,
                "batch": batch,
                "category": demo.category,
                "severity": demo.severity,
                "timeframe": demo.timeframe,
                "description": demo.description,
                "region_code": demo.region,
                "lead_unit": demo.lead,
                "responsible_unit": demo.unit,
                "responsible_person": demo.person,
                "raised_on": self.day(demo.raised),
                "deadline": self.day(demo.deadline),
                "links": await self.links(inspector, demo),
                "reopens_id": raised[demo.reopens].public_id if demo.reopens is not None else None,
            }
        )
        with self.on(demo.raised):
            return await service.create_finding(self.session, inspector, data=data)

    async def play(self, demo: Demo, finding: Finding) -> None:
        """The finding's story, each act by the demo user whose job it is, on its day."""
        rectifier = RECTIFIER.get(demo.region, "county_office")
        evidence_ids: list[uuid.UUID] = []
        for act in demo.story:
            with self.on(act.day):
                await self.act(demo, finding, act, rectifier, evidence_ids)

    async def act(self, demo: Demo, finding: Finding, act: Act, rectifier: str, files: list[uuid.UUID]) -> None:
        session, fid = self.session, finding.public_id
        if act.kind in ("start", "submit"):
            who = await self.as_user(rectifier, Permission.FINDINGS_RECTIFY)
            move = (
                FindingTransitionIn(to="rectifying", reason=act.text)
                if act.kind == "start"
                else FindingTransitionIn(to="submitted", rectification=act.text, evidence_ids=files)
            )
            await workflow.transition(session, who, finding_id=fid, expected_version=None, data=move)
            files.clear()
        elif act.kind == "task":
            who = await self.as_user(rectifier, Permission.FINDINGS_RECTIFY)
            task = await tasks.create_task(
                session, who, finding_id=fid, data=TaskIn(what=act.text, who=act.who, due_on=self.day(act.due))
            )
            if act.done is not None:  # marked done on its day, as the township does it
                with self.on(act.done):
                    await tasks.update_task(
                        session,
                        who,
                        finding_id=fid,
                        task_id=task.public_id,
                        expected_version=None,
                        data=TaskUpdate(done_on=self.day(act.done)),
                    )
        elif act.kind == "evidence":
            who = await self.as_user(rectifier, Permission.FINDINGS_RECTIFY)
            self.files += 1
            content = (
                demo_pdf(f"Rectification evidence {finding.year}-{finding.number}")
                if act.text.endswith(".pdf")
                else demo_png(seed=self.files)
            )
            root = self.settings.evidence_root
            staged = staged_file(root, content)
            try:
                form = EvidenceForm(owner_type="finding", owner_id=fid)
                added = await evidence.attach(session, who, form=form, filename=act.text, staged=staged, root=root)
            except BaseException:
                staged.discard()
                raise
            files.append(added.public_id)
        elif act.kind in ("return", "close"):
            who = await self.as_user(INSPECTOR, Permission.FINDINGS_CLOSE)
            to = "returned" if act.kind == "return" else "closed"
            move = FindingTransitionIn(to=to, reason=act.text)
            await workflow.transition(session, who, finding_id=fid, expected_version=None, data=move)
        elif act.kind == "transfer":
            who = await self.as_user(INSPECTOR, Permission.FINDINGS_WRITE)
            move = FindingTransitionIn(to="transferred", reason=act.text)
            await workflow.transition(session, who, finding_id=fid, expected_version=None, data=move)
        elif act.kind == "pause":
            who = await self.as_user("county_office", Permission.FINDINGS_WRITE)
            pause = PauseIn(reason=act.text, starts_on=self.day(act.day), waits_on=act.who)
            await deadlines.start_pause(session, who, finding_id=fid, data=pause)
        else:
            raise ValueError(f"unknown act {act.kind!r}")

    async def check_deadlines(self) -> None:
        """The daily deadlines check for today, over every open finding (what the job `findings.deadlines` does)."""
        # the job's own area: the whole system, as the calendar queues it
        stmt = job_scope(None).select(Finding).where(Finding.state.in_(OPEN_STATES)).order_by(Finding.id)
        stmt = stmt.with_for_update()
        for finding in (await self.session.execute(stmt)).scalars().all():
            await deadlines.check(self.session, finding, today=self.today, by=SEED_RUN)
        await self.session.flush()


async def seed_findings(settings: Settings, today: date) -> int:
    """Raise and work the demo findings once (0 when a finding exists or a demo user is missing); how many were
    added."""
    engine = make_engine(settings.database_url, 1)
    try:
        # the services' own guard: every read of an area-scoped table goes through the acting user's scope
        async with make_sessionmaker(engine, area_guard=True)() as session, session.begin():
            exists = select(Finding.id).limit(1).execution_options(**unscoped("is any finding seeded?"))
            if (await session.execute(exists)).first():
                return 0
            needed = {INSPECTOR, *RECTIFIER.values()}
            stmt = select(User).where(User.username.in_(needed)).execution_options(**unscoped("the demo users"))
            users = {u.username: u for u in (await session.execute(stmt)).scalars()}
            if set(users) != needed:
                return 0
            seeder = Seeder(session, settings, today, users)
            names = batches(today)
            # raised in the order of their days (the numbers follow), then worked; a 回头看 once the finding it finds
            # again is closed
            first = sorted((i for i, f in enumerate(FINDINGS) if f.reopens is None), key=lambda i: FINDINGS[i].raised)
            again = [i for i, f in enumerate(FINDINGS) if f.reopens is not None]
            raised: dict[int, Finding] = {}
            for i in first:
                raised[i] = await seeder.raise_finding(FINDINGS[i], names, raised)
            for i in first:
                await seeder.play(FINDINGS[i], raised[i])
            for i in again:
                raised[i] = await seeder.raise_finding(FINDINGS[i], names, raised)
                await seeder.play(FINDINGS[i], raised[i])
            await seeder.check_deadlines()
            return len(raised)
    finally:
        await engine.dispose()
