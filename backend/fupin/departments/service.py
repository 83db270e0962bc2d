"""Line departments: the list, and an administrator's change of a department's name or field (audited)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import chain as audit
from fupin.authz.principal import Principal
from fupin.core.code_tables import codes_of
from fupin.core.concurrency import check_version
from fupin.core.errors import not_found
from fupin.departments.field import get_department
from fupin.departments.models import Department
from fupin.departments.schemas import DepartmentUpdate

AUDITED = ("name", "measure_types", "disabled_member_types", "project_categories")


async def list_departments(session: AsyncSession) -> list[Department]:
    return list((await session.execute(select(Department).order_by(Department.code))).scalars().all())


def department_target(department: Department) -> audit.Target:
    # reference data of the whole system: no area, on no household's trail
    return audit.Target("department", department.code, None, version=department.version)


async def update_department(
    session: AsyncSession,
    principal: Principal,
    *,
    code: str,
    expected_version: int | None,
    data: DepartmentUpdate,
) -> Department:
    if code not in codes_of("department"):
        raise not_found("department")
    department = await get_department(session, code)
    if department is None:
        raise not_found("department")
    check_version(expected_version, department.version)
    sent = data.model_dump(exclude_unset=True, exclude_none=True)
    async with audit.tracked(
        session,
        department,
        actor=principal.as_actor(),
        action="department.updated",
        fields=AUDITED,
        target=lambda: department_target(department),
        touch=True,
    ):
        for key, value in sent.items():
            setattr(department, key, list(value) if isinstance(value, list) else value)
    return department
