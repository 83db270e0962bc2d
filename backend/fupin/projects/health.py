"""Project health (on track, at risk, overdue). Placeholder until the rule lands: every project is on track."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from fupin.projects.models import Project


async def refresh(session: AsyncSession, project: Project) -> None:
    project.health = "on_track"
