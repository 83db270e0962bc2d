"""A line department's field (行业领域): the measure types a department principal (user or API key with
`department` set) creates and changes. Everyone else is limited by area only."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.principal import Principal
from fupin.authz.roles import Role
from fupin.core.code_tables import label
from fupin.core.errors import FieldError, ProblemError
from fupin.departments.models import Department
from fupin.households.models import Member

FIELD_CODE = "measures.department_field"
# the measure type whose records reveal health details (健康)
HEALTH = "health"


async def get_department(session: AsyncSession, code: str) -> Department | None:
    """The department (from the session's identity map once loaded: a batch checks its field once)."""
    return await session.get(Department, code)


def _refused(pointer: str, message: str) -> ProblemError:
    return ProblemError(403, FIELD_CODE, message, [FieldError(pointer=pointer, code=FIELD_CODE, message=message)])


def owns(department: Department | None, measure_type: str, member: Member | None) -> bool:
    if department is None:
        return False
    if measure_type in department.measure_types:
        return True
    return measure_type in department.disabled_member_types and member is not None and member.health == "disabled"


async def check_field(
    session: AsyncSession,
    principal: Principal,
    *,
    measure_type: str,
    member: Member | None,
    department: str | None,
    pointer: str = "/type",
) -> None:
    """A department principal may write only measures of its field (403 `measures.department_field`), recorded as
    its own department's."""
    if principal.department is None:
        if Role.DEPARTMENT.value in principal.roles:  # a department login that names no department owns nothing
            raise _refused(pointer, "该行业部门账号未指定部门, 不能登记措施 (the login names no department)")
        return
    record = await get_department(session, principal.department)
    if not owns(record, measure_type, member):
        name = record.name if record else principal.department
        raise _refused(
            pointer,
            f"“{label('measure_type', measure_type) or measure_type}”类措施不属于{name}的职责领域 "
            "(the measure type is outside the department's field)",
        )
    if department is not None and department != principal.department:
        raise _refused("/department", "行业部门只能登记本部门的措施 (a department records its own measures only)")


async def sees_health(session: AsyncSession, principal: Principal) -> bool:
    """Whether health details (健康状况, 残疾等级) are shown to the caller: a department's by its field (健康), anyone
    else's by the personal-data permission."""
    if principal.department is None:
        return principal.pii
    record = await get_department(session, principal.department)
    return record is not None and (HEALTH in record.measure_types or HEALTH in record.disabled_member_types)


PROJECT_FIELD_CODE = "projects.department_field"


async def check_project_field(
    session: AsyncSession, principal: Principal, *, category: str, pointer: str | None = "/category"
) -> None:
    """A department principal declares, changes and moves only projects whose category is in its
    `project_categories` (403 `projects.department_field`); everyone else is limited by area only."""
    if principal.department is None and Role.DEPARTMENT.value not in principal.roles:
        return
    record = await get_department(session, principal.department) if principal.department else None
    if record is None or category not in record.project_categories:
        name = record.name if record else (principal.department or "该账号")
        message = (
            f"“{label('project_category', category) or category}”类项目不属于{name}的职责领域 "
            "(the project category is outside the department's field)"
        )
        # a write of a project's child record (target, milestone, funds ...) names no field of the body
        errors = [FieldError(pointer=pointer, code=PROJECT_FIELD_CODE, message=message)] if pointer else []
        raise ProblemError(403, PROJECT_FIELD_CODE, message, errors)
