"""Policy rules: who may hold which role where, who may grant what, who may do the weightier things.
Routes declare the permission they need (`authz.deps`); the rules here are the ones a permission alone cannot say.
"""

from __future__ import annotations

from fupin.authz.principal import Principal
from fupin.authz.roles import Permission, Role, permissions_for
from fupin.authz.scope import region_level, within
from fupin.core.errors import FieldError, ProblemError, field_error

# Area roles are tied to their level of the region tree; only these may have no region (the whole system).
ROLE_LEVELS: dict[str, int] = {"city_office": 2, "county_office": 3, "township": 4, "village": 5}
UNSCOPED_ROLES = frozenset({"admin", "auditor"})
# 注销 (removing a household from the register) is decided at county level or above
REMOVAL_MAX_LEVEL = 3


def check_role_region(roles: list[Role], region_code: str | None) -> None:
    names = {r.value for r in roles}
    if region_code is None:
        if not names <= UNSCOPED_ROLES:
            raise field_error(
                "/region_code",
                "required",
                "除系统管理员和纪检审计外, 须指定管辖区划 (region_code is required for these roles)",
            )
        return
    level = region_level(region_code)
    for name in sorted(names):
        wanted = ROLE_LEVELS.get(name)
        if wanted is not None and wanted != level:
            raise field_error(
                "/region_code",
                "user.region_level_mismatch",
                f"角色 {name} 须对应第 {wanted} 级区划 (region level {level} given)",
            )


def check_grant(principal: Principal, *, roles: list[Role], region_code: str | None, pii: bool) -> None:
    """Nobody grants more than they hold: roles, area and personal-data access stay within the grantor's.
    (That the region exists is the caller's check: it needs the database.)"""
    check_role_region(roles, region_code)
    if region_code is None and not principal.scope.whole_system:
        raise field_error("/region_code", "required", "须指定管辖区划 (region_code is required)")
    if region_code is not None and not principal.scope.contains(region_code):
        raise field_error("/region_code", "region.unknown", "区划不存在或不在您的管辖范围内")
    if not permissions_for([r.value for r in roles]) <= principal.permissions:
        raise field_error("/roles", "auth.grant_exceeds_own", "不能授予超出自身权限的角色")
    if pii and not principal.pii:
        raise field_error("/pii", "auth.grant_exceeds_own", "不能授予自身没有的个人信息权限")


def require_household_removal(principal: Principal) -> None:
    if not principal.scope.whole_system and principal.scope.level > REMOVAL_MAX_LEVEL:
        raise ProblemError(403, "forbidden", "注销须由县级及以上扶贫部门办理 (county office or above)")


def require_personal_data(principal: Principal, what: str) -> None:
    """Filters and reads that would reveal personal data need the pii permission."""
    if not principal.pii:
        raise ProblemError(403, "pii_required", f"{what}需要个人信息权限 (needs the personal-data permission)")


def sees_every_webhook(principal: Principal) -> bool:
    """An administrator manages every webhook subscription of its area; anyone else with webhooks:manage only
    the ones it created (another owner's is a 404)."""
    return Role.ADMIN.value in principal.roles


def check_role_links(
    roles: list[str], *, department: str | None, cadre_id: object | None, api_key: bool = False
) -> None:
    """What a role needs beside itself: a line department's login or key names its department (its field of
    measures); a cadre's login names its cadre (the visits it may log) and a cadre is a person, never a key."""
    if Role.DEPARTMENT.value in roles and not department:
        raise field_error("/department", "user.department_required", "行业部门账号须指定所属部门 (department code)")
    if Role.CADRE.value in roles:
        if api_key:
            raise field_error("/roles", "api_key.cadre_role", "帮扶干部角色只能授予本人账号, 不能授予 API 密钥")
        if cadre_id is None:
            raise field_error("/cadre_id", "user.cadre_required", "帮扶干部账号须关联本人的干部档案 (cadre_id)")


def is_cadre_login(principal: Principal) -> bool:
    """A login acting as one cadre: linked to it, or holding the cadre role (then unlinked means no cadre at all,
    never every cadre)."""
    return principal.cadre_id is not None or Role.CADRE.value in principal.roles


def require_own_cadre(principal: Principal, cadre_public_id: str, *, pointer: str = "/cadre_id") -> None:
    """A cadre-linked login (帮扶干部) records visits and residency days only as its own cadre (403
    `visits.not_own_cadre`); an office of the area records them for any cadre it sees."""
    if is_cadre_login(principal) and principal.cadre_id != cadre_public_id:
        raise ProblemError(
            403,
            "visits.not_own_cadre",
            "帮扶干部只能登记本人的走访和驻村记录 (a cadre login records only its own visits and days)",
            [FieldError(pointer=pointer, code="visits.not_own_cadre", message="只能选择本人")],
        )


def require_assigned(principal: Principal, *, assigned: bool) -> None:
    """A cadre-linked login logs visits only to the households assigned to it (paired with it, or in the village it
    serves as first secretary or work-team member): others are a 403 `visits.not_assigned`."""
    if is_cadre_login(principal) and not assigned:
        raise ProblemError(
            403,
            "visits.not_assigned",
            "该户未分配给您帮扶, 不能登记走访 (the household is not assigned to this cadre)",
            [FieldError(pointer="/household_id", code="visits.not_assigned", message="该户不是您的帮扶对象")],
        )


def require_owner_writer(principal: Principal, permission: Permission) -> None:
    """Attaching evidence to a record needs the permission that writes the record (its owner type names it:
    a visit `visits:write`); the evidence routes themselves only need the reader's."""
    if permission not in principal.permissions:
        raise ProblemError(403, "forbidden", f"This action needs the permission {permission.value}.")


# Who moves a project to which stage (项目库): the permission, and the deepest level of the caller's area that may
# (4: township or above, 3: county or above, 5: any area). Beside it the department rule: a department principal
# changes only projects of its field (`departments.field.check_project_field`).
PROJECT_STEPS: dict[str, tuple[Permission, int]] = {
    "reviewed": (Permission.PROJECTS_REVIEW, 4),  # 审核: the township
    "approved": (Permission.PROJECTS_APPROVE, 3),  # 论证/审定: the county
    "in_library": (Permission.PROJECTS_APPROVE, 3),  # 入库
    "implementing": (Permission.PROJECTS_WRITE, 5),  # 实施
    "accepted": (Permission.PROJECTS_APPROVE, 3),  # 验收
    "completed": (Permission.PROJECTS_WRITE, 5),  # 完成
    "removed": (Permission.PROJECTS_APPROVE, 3),  # 出库
}
LEVEL_NAMES = {3: ("县级及以上", "county level or above"), 4: ("乡镇级及以上", "township level or above")}


def require_project_step(principal: Principal, to_stage: str) -> None:
    """A township reviews (审核); the county approves, enters into the library, accepts and removes; whoever writes
    projects starts and completes them. Refused: 403 `projects.step_not_allowed`."""
    permission, deepest = PROJECT_STEPS[to_stage]
    deep_enough = principal.scope.whole_system or principal.scope.level <= deepest
    if permission in principal.permissions and deep_enough:
        return
    zh, en = LEVEL_NAMES.get(deepest, ("", ""))
    message = (
        f"该阶段须由{zh}有权限的用户办理 (needs {permission.value}{', ' + en if en else ''})"
        if zh
        else f"您无权办理该阶段 (needs {permission.value})"
    )
    raise ProblemError(
        403,
        "projects.step_not_allowed",
        message,
        [FieldError(pointer="/to", code="projects.step_not_allowed", message=message)],
    )


# Who moves a finding to which state (督查问题整改): the responsible units start and submit the rectification
# (整改中, 申请销号), the verifiers (an inspector, the city office) close or return it (销号, 退回), whoever raises
# findings transfers one to the discipline commission (移交纪委).
FINDING_STEPS: dict[str, Permission] = {
    "rectifying": Permission.FINDINGS_RECTIFY,
    "submitted": Permission.FINDINGS_RECTIFY,
    "closed": Permission.FINDINGS_CLOSE,
    "returned": Permission.FINDINGS_CLOSE,
    "transferred": Permission.FINDINGS_WRITE,
}


def require_finding_step(principal: Principal, to_state: str) -> None:
    """Refused: 403 `findings.step_not_allowed`."""
    permission = FINDING_STEPS[to_state]
    if permission in principal.permissions:
        return
    message = f"您无权办理该步骤 (needs {permission.value})"
    raise ProblemError(
        403,
        "findings.step_not_allowed",
        message,
        [FieldError(pointer="/to", code="findings.step_not_allowed", message=message)],
    )


# Rectification tasks (整改措施) are the responsible units' to write, as on the tasks routes (FindingRectifier)
FINDING_TASKS = Permission.FINDINGS_RECTIFY


def require_finding_tasks(principal: Principal, *, pointer: str) -> None:
    """Whoever brings tasks in together with a finding (an import of an inspection ledger) needs the tasks'
    permission too. Refused: 403 `findings.tasks_not_allowed` at `pointer`."""
    if FINDING_TASKS in principal.permissions:
        return
    message = f"您无权录入整改措施 (tasks need {FINDING_TASKS.value})"
    raise ProblemError(
        403,
        "findings.tasks_not_allowed",
        message,
        [FieldError(pointer=pointer, code="findings.tasks_not_allowed", message=message)],
    )


def require_finding_verifier(principal: Principal, region_code: str) -> None:
    """Whoever accepts a rectification answers for it, so it is never the responsible unit: an inspector (督查组)
    verifies anywhere in its area; anyone else (the city office) only findings of a region strictly below its own
    area's root. A caller whose area is the finding's region or lies within it is refused: 403
    `findings.own_finding`."""
    if Role.INSPECTOR.value in principal.roles or principal.scope.whole_system:
        return
    if within(principal.scope.region_code, region_code):
        message = "责任单位不能对本单位的问题销号或退回 (the responsible unit may not verify its own finding)"
        raise ProblemError(
            403,
            "findings.own_finding",
            message,
            [FieldError(pointer="/to", code="findings.own_finding", message=message)],
        )
