"""Roles and the permissions they grant. The only place that decides who may do what."""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    HOUSEHOLDS_READ = "households:read"
    HOUSEHOLDS_WRITE = "households:write"
    HOUSEHOLDS_TRANSITION = "households:transition"
    POVERTY_LINES_WRITE = "poverty_lines:write"
    USERS_MANAGE = "users:manage"
    API_KEYS_MANAGE = "api_keys:manage"
    AUDIT_READ = "audit:read"
    CHANGES_READ = "changes:read"
    JOBS_READ = "jobs:read"
    JOBS_MANAGE = "jobs:manage"
    STATS_REBUILD = "stats:rebuild"
    WEBHOOKS_MANAGE = "webhooks:manage"
    ADJUSTMENTS_MANAGE = "adjustments:manage"  # configure adjustment windows (年度调整), apply, cancel any request
    ADJUSTMENTS_OVERRIDE = "adjustments:override"  # change a locked field outside the window, with a reason
    MEASURES_READ = "measures:read"
    MEASURES_WRITE = "measures:write"  # a department principal only within its field (measures.department_field)
    DEPARTMENTS_MANAGE = "departments:manage"  # edit which measure types each line department owns
    CADRES_READ = "cadres:read"  # cadres (帮扶干部), their assignments, visits and residency
    CADRES_WRITE = "cadres:write"  # cadres and their assignments (pairings, first secretaries, work teams)
    VISITS_WRITE = "visits:write"  # visits (走访) and residency days (驻村); a cadre-linked user only its own
    PROJECTS_READ = "projects:read"  # projects, their targets, milestones, funds, beneficiaries and notices
    PROJECTS_WRITE = "projects:write"  # declare and edit projects; a department principal only within its field
    PROJECTS_REVIEW = "projects:review"  # 审核: the township's review of a declared project
    PROJECTS_APPROVE = "projects:approve"  # 论证/审定, 入库, 验收, 出库: the county's decisions
    FUNDS_WRITE = "funds:write"  # fund allocations and disbursements (报账) of projects
    FINDINGS_READ = "findings:read"  # supervision findings (督查问题), their tasks, steps and evidence
    FINDINGS_WRITE = "findings:write"  # raise and edit findings, transfer them to the discipline commission
    FINDINGS_RECTIFY = "findings:rectify"  # the responsible units: tasks, rectification, submitting (申请销号)
    FINDINGS_CLOSE = "findings:close"  # verify: close (销号) or return (退回); never one's own finding
    ASSESSMENTS_READ = "assessments:read"  # 考核: periods, indicator sets, rankings and scores of the caller's area
    ASSESSMENTS_MANAGE = "assessments:manage"  # the city's indicator sets; compute and freeze periods


class Role(StrEnum):
    ADMIN = "admin"
    CITY_OFFICE = "city_office"
    COUNTY_OFFICE = "county_office"
    TOWNSHIP = "township"
    VILLAGE = "village"
    DEPARTMENT = "department"
    INSPECTOR = "inspector"
    AUDITOR = "auditor"
    INTEGRATION = "integration"
    CADRE = "cadre"


P = Permission
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.CITY_OFFICE: frozenset(
        {
            P.HOUSEHOLDS_READ,
            P.HOUSEHOLDS_WRITE,
            P.HOUSEHOLDS_TRANSITION,
            P.POVERTY_LINES_WRITE,
            P.USERS_MANAGE,
            P.API_KEYS_MANAGE,
            P.CHANGES_READ,
            P.JOBS_READ,
            P.JOBS_MANAGE,
            P.STATS_REBUILD,
            P.ADJUSTMENTS_MANAGE,
            P.ADJUSTMENTS_OVERRIDE,
            P.CADRES_READ,
            P.CADRES_WRITE,
            P.VISITS_WRITE,
        }
    ),
    Role.COUNTY_OFFICE: frozenset(
        {
            P.HOUSEHOLDS_READ,
            P.HOUSEHOLDS_WRITE,
            P.HOUSEHOLDS_TRANSITION,
            P.CHANGES_READ,
            P.JOBS_READ,
            P.JOBS_MANAGE,
            P.STATS_REBUILD,
            P.CADRES_READ,
            P.CADRES_WRITE,
            P.VISITS_WRITE,
        }
    ),
    Role.TOWNSHIP: frozenset(
        {
            P.HOUSEHOLDS_READ,
            P.HOUSEHOLDS_WRITE,
            P.HOUSEHOLDS_TRANSITION,
            P.JOBS_READ,
            P.CADRES_READ,
            P.CADRES_WRITE,
            P.VISITS_WRITE,
        }
    ),
    Role.VILLAGE: frozenset({P.HOUSEHOLDS_READ, P.HOUSEHOLDS_WRITE, P.JOBS_READ, P.CADRES_READ, P.VISITS_WRITE}),
    Role.DEPARTMENT: frozenset({P.HOUSEHOLDS_READ, P.JOBS_READ}),
    Role.INSPECTOR: frozenset({P.HOUSEHOLDS_READ, P.CADRES_READ}),
    Role.AUDITOR: frozenset({P.HOUSEHOLDS_READ, P.AUDIT_READ, P.CHANGES_READ, P.JOBS_READ, P.CADRES_READ}),
    Role.INTEGRATION: frozenset(
        {P.HOUSEHOLDS_READ, P.HOUSEHOLDS_WRITE, P.CHANGES_READ, P.JOBS_READ, P.WEBHOOKS_MANAGE, P.CADRES_READ}
    ),
    # 帮扶干部: a login of one cadre (users.cadre_id); logs visits only to the households assigned to it
    Role.CADRE: frozenset({P.HOUSEHOLDS_READ, P.CADRES_READ, P.VISITS_WRITE, P.MEASURES_READ}),
}

# assistance measures (帮扶措施): recorded by the area offices and by line departments (within their field)
_MEASURES_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.CITY_OFFICE: frozenset({P.MEASURES_READ, P.MEASURES_WRITE, P.DEPARTMENTS_MANAGE}),
    Role.COUNTY_OFFICE: frozenset({P.MEASURES_READ, P.MEASURES_WRITE}),
    Role.TOWNSHIP: frozenset({P.MEASURES_READ, P.MEASURES_WRITE}),
    Role.VILLAGE: frozenset({P.MEASURES_READ, P.MEASURES_WRITE}),
    Role.DEPARTMENT: frozenset({P.MEASURES_READ, P.MEASURES_WRITE}),
    Role.INSPECTOR: frozenset({P.MEASURES_READ}),
    Role.AUDITOR: frozenset({P.MEASURES_READ}),
    Role.INTEGRATION: frozenset({P.MEASURES_READ, P.MEASURES_WRITE}),
}
for _role, _granted in _MEASURES_GRANTS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _granted

# projects (扶贫项目库): declared by townships and villages, reviewed by the township, decided by the county;
# funds paid by the county and city offices
_PROJECTS_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.CITY_OFFICE: frozenset(
        {P.PROJECTS_READ, P.PROJECTS_WRITE, P.PROJECTS_REVIEW, P.PROJECTS_APPROVE, P.FUNDS_WRITE}
    ),
    Role.COUNTY_OFFICE: frozenset(
        {P.PROJECTS_READ, P.PROJECTS_WRITE, P.PROJECTS_REVIEW, P.PROJECTS_APPROVE, P.FUNDS_WRITE}
    ),
    Role.TOWNSHIP: frozenset({P.PROJECTS_READ, P.PROJECTS_WRITE, P.PROJECTS_REVIEW}),
    Role.VILLAGE: frozenset({P.PROJECTS_READ, P.PROJECTS_WRITE}),
    Role.DEPARTMENT: frozenset({P.PROJECTS_READ, P.PROJECTS_WRITE}),
    Role.INSPECTOR: frozenset({P.PROJECTS_READ}),
    Role.AUDITOR: frozenset({P.PROJECTS_READ}),
    Role.INTEGRATION: frozenset({P.PROJECTS_READ, P.PROJECTS_WRITE}),
}
for _role, _granted in _PROJECTS_GRANTS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _granted

# supervision findings (督查问题整改): raised by inspectors and the city/county offices, rectified by the
# responsible offices (the city's own findings by the city office), closed by an inspector or the city office
# (never the responsible unit: `authz.policy.require_finding_verifier`); 纪检审计 reads them (its inbox: the
# findings transferred to the discipline commission). The city office holds every grant below it, as it grants
# those roles.
_FINDINGS_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.CITY_OFFICE: frozenset({P.FINDINGS_READ, P.FINDINGS_WRITE, P.FINDINGS_RECTIFY, P.FINDINGS_CLOSE}),
    Role.COUNTY_OFFICE: frozenset({P.FINDINGS_READ, P.FINDINGS_WRITE, P.FINDINGS_RECTIFY}),
    Role.TOWNSHIP: frozenset({P.FINDINGS_READ, P.FINDINGS_RECTIFY}),
    Role.VILLAGE: frozenset({P.FINDINGS_READ, P.FINDINGS_RECTIFY}),
    Role.INSPECTOR: frozenset({P.FINDINGS_READ, P.FINDINGS_WRITE, P.FINDINGS_CLOSE}),
    Role.AUDITOR: frozenset({P.FINDINGS_READ}),
    Role.INTEGRATION: frozenset({P.FINDINGS_READ}),
}
for _role, _granted in _FINDINGS_GRANTS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _granted

# the assessment (考核): set and run by the city office; read by the offices it assesses, the inspectors and
# 纪检审计 (each within its area)
_ASSESSMENT_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.CITY_OFFICE: frozenset({P.ASSESSMENTS_READ, P.ASSESSMENTS_MANAGE}),
    Role.COUNTY_OFFICE: frozenset({P.ASSESSMENTS_READ}),
    Role.TOWNSHIP: frozenset({P.ASSESSMENTS_READ}),
    Role.VILLAGE: frozenset({P.ASSESSMENTS_READ}),
    Role.INSPECTOR: frozenset({P.ASSESSMENTS_READ}),
    Role.AUDITOR: frozenset({P.ASSESSMENTS_READ}),
}
for _role, _granted in _ASSESSMENT_GRANTS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _granted

ROLE_LABELS: dict[Role, tuple[str, str]] = {
    Role.ADMIN: ("系统管理员", "System administrator"),
    Role.CITY_OFFICE: ("市扶贫办", "City office"),
    Role.COUNTY_OFFICE: ("县扶贫办", "County office"),
    Role.TOWNSHIP: ("乡镇", "Township"),
    Role.VILLAGE: ("村", "Village"),
    Role.DEPARTMENT: ("行业部门", "Line department"),
    Role.INSPECTOR: ("督查组", "Inspector"),
    Role.AUDITOR: ("纪检审计", "Discipline and audit"),
    Role.INTEGRATION: ("系统对接", "Integration client"),
    Role.CADRE: ("帮扶干部", "Assistance cadre"),
}


def permissions_for(roles: list[str]) -> frozenset[Permission]:
    perms: set[Permission] = set()
    for name in roles:
        try:
            perms |= ROLE_PERMISSIONS[Role(name)]
        except ValueError:
            continue
    return frozenset(perms)


def key_permissions(roles: list[str], scopes: list[str]) -> frozenset[Permission]:
    """An API key's permissions: its roles', narrowed to its scopes when it has any."""
    granted = permissions_for(roles)
    return frozenset(p for p in granted if p.value in scopes) if scopes else granted
