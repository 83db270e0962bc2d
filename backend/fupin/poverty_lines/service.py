"""Setting a year's poverty line (city office): create or replace, audited."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import chain as audit
from fupin.authz.principal import Principal
from fupin.core.concurrency import check_replace
from fupin.poverty_lines import repository as repo
from fupin.poverty_lines.models import PovertyLine
from fupin.poverty_lines.schemas import PovertyLineIn

FIELDS = ("amount", "note")


async def put_line(
    session: AsyncSession,
    principal: Principal,
    *,
    year: int,
    scope: str,
    data: PovertyLineIn,
    expected_version: int | None,
    if_match_sent: bool,
) -> tuple[PovertyLine, bool]:
    existing = await repo.get(session, year=year, scope=scope)
    check_replace(existing.version if existing else None, expected_version, if_match_sent, "poverty line")
    line = existing or PovertyLine(year=year, scope=scope, amount=data.amount, note=data.note)
    if existing is None:
        session.add(line)
    async with audit.tracked(
        session,
        line,
        actor=principal.as_actor(),
        action="poverty_line.updated",
        fields=FIELDS,
        created=existing is None,
        target=lambda: audit.Target("poverty_line", f"{year}:{scope}", None, version=line.version),
    ):
        line.amount, line.note = data.amount, data.note
    return line, existing is None
