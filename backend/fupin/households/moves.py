"""A household that moves to another village takes its records with it: every table whose rows keep their
household's village as their area (`AreaScoped.__follows_household__`, found in the model registry, so this
module knows no other domain) gets the new village, each moved row an audit event on the household's trail and a
`moved_out` tombstone in the old area's change feed, in the move's own transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import chain as audit
from fupin.authz.principal import Principal
from fupin.authz.scope import AreaScoped, unscoped
from fupin.core.models import Base
from fupin.households.models import Household


def following_tables() -> list[type[AreaScoped]]:
    found = []
    for mapper in Base.registry.mappers:
        model = mapper.class_
        if isinstance(model, type) and issubclass(model, AreaScoped) and model.__follows_household__:
            found.append(model)
    return sorted(found, key=lambda m: m.__name__)


async def carry_records(session: AsyncSession, principal: Principal, household: Household, *, old_village: str) -> int:
    """Move the household's records from `old_village` to its village now; how many moved."""
    entries = []
    for model in following_tables():
        link, key = model.__follows_household__ or ("", "")
        table: Table = model.__table__  # type: ignore[attr-defined]
        area = table.c[model.__area_column__]
        owner = table.c[link] == getattr(household, key)
        stmt = select(table.c.public_id, *([table.c.version] if "version" in table.c else [])).where(
            owner, area == old_village
        )
        stmt = stmt.execution_options(**unscoped("the records of a household that moves"))
        rows = (await session.execute(stmt)).all()
        if not rows:
            continue
        await session.execute(
            update(table).where(owner, area == old_village).values({model.__area_column__: household.village_code})
        )
        entity = model.__feed_entity__ or table.name
        for row in rows:
            version: Any = getattr(row, "version", None)
            target = audit.Target(
                entity,
                str(row.public_id),
                household.village_code,
                subject_id=str(household.public_id),
                version=version,
                external_id=household.external_id,
                source_system=household.source_system,
            )
            changes = {model.__area_column__: [old_village, household.village_code]}
            entries.append(audit.Entry(target, f"{entity}.updated", changes, moved_from=old_village))
    await audit.record_many(session, entries, actor=principal.as_actor())
    return len(entries)
