"""FastAPI dependencies: a bearer credential becomes a Principal (with its area scope), and routes declare the
permission they need as an `Annotated` alias of this module (e.g. `principal: HouseholdReader`)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import String, bindparam, select

from fupin.authz.principal import Principal
from fupin.authz.roles import Permission, key_permissions, permissions_for
from fupin.authz.scope import AreaScope, issue_scope, unscoped
from fupin.core.errors import ProblemError
from fupin.core.models import utcnow
from fupin.core.readpath import ReadPath, ReadQuery, get_read_path
from fupin.core.security import InvalidToken, api_key_well_formed, decode_access_token, sha256_hex
from fupin.users.models import ApiKey, User

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)

UNAUTHORIZED = ProblemError(
    401, "unauthorized", "Missing, invalid or expired credentials.", headers={"WWW-Authenticate": "Bearer"}
)


def principal_from_claims(claims: dict[str, object]) -> Principal:
    raw_roles = claims.get("roles")
    roles = tuple(str(r) for r in raw_roles) if isinstance(raw_roles, list) else ()
    return Principal(
        kind="user",
        id=int(str(claims["uid"])),
        public_id=str(claims["sub"]),
        name=str(claims.get("name") or ""),
        roles=roles,
        permissions=permissions_for(list(roles)),
        scope=issue_scope(str(claims["region"]) if claims.get("region") else None),
        department=(str(claims["dept"]) if claims.get("dept") else None),
        pii=bool(claims.get("pii")),
        cadre_id=(str(claims["cadre"]) if claims.get("cadre") else None),
    )


# API keys are looked up on the read path: an autocommit read, so authentication never opens a session (and never
# waits behind the write lock an idempotent request's session holds on SQLite).
API_KEY_QUERY = ReadQuery(
    "api-key-by-hash",
    lambda: select(
        ApiKey.id,
        ApiKey.public_id,
        ApiKey.name,
        ApiKey.roles,
        ApiKey.scopes,
        ApiKey.region_code,
        ApiKey.department,
        ApiKey.pii,
        ApiKey.expires_at,
        ApiKey.revoked_at,
    ).where(ApiKey.key_hash == bindparam("key_hash", type_=String())),
    area=None,  # authentication reads every key: the key decides the area
)


async def _principal_from_api_key(read: ReadPath, key: str) -> Principal:
    if not api_key_well_formed(key):
        raise UNAUTHORIZED
    rows = await read.fetch(API_KEY_QUERY, None, {"key_hash": sha256_hex(key)})
    row = rows[0] if rows else None
    if (
        row is None
        or row["revoked_at"] is not None
        or (row["expires_at"] is not None and row["expires_at"] <= utcnow())
    ):
        raise UNAUTHORIZED
    granted = key_permissions(row["roles"], row["scopes"])
    return Principal(
        kind="api_key",
        id=row["id"],
        public_id=str(row["public_id"]),
        name=f"key:{row['name']}",
        roles=tuple(row["roles"]),
        permissions=granted,
        scope=issue_scope(row["region_code"]),
        department=row["department"],
        pii=row["pii"],
    )


async def authenticate(request: Request, token: str | None) -> Principal:
    """The caller, once per request. A JWT is verified without the database; an API key is one read on the read
    path."""
    known: Principal | None = getattr(request.state, "principal", None)
    if known is not None:
        return known
    if not token:
        raise UNAUTHORIZED
    if token.startswith("fp_"):
        principal = await _principal_from_api_key(await get_read_path(request), token)
    else:
        try:
            claims = decode_access_token(token)
        except InvalidToken:
            raise UNAUTHORIZED
        if claims.get("typ") != "access" or "uid" not in claims:
            raise UNAUTHORIZED
        principal = principal_from_claims(claims)
    request.state.principal = principal
    return principal


async def current_principal(request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]) -> Principal:
    return await authenticate(request, token)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
BearerToken = Annotated[str | None, Depends(oauth2_scheme)]


def job_scope(region_code: str | None) -> AreaScope:
    """The area a job's work runs in (jobs.worker): the one its owner's scope gave the job when it was submitted
    (`Job.region_code`, the owner's area or a part of it). The stored job is the worker's credential."""
    return issue_scope(region_code)


def webhook_scope(region_code: str | None) -> AreaScope:
    """The area whose change-feed entries a webhook subscription receives (webhooks.delivery): its owner's area
    when the subscription was created (`WebhookSubscription.region_code`). The stored subscription is the
    dispatcher's credential."""
    return issue_scope(region_code)


FORBIDDEN_CODE = "forbidden"


def requires(permission: Permission) -> Callable[[Request, str | None], Awaitable[Principal]]:
    """A route dependency: the caller, if it holds `permission` (else 403). It authenticates itself rather than
    depending on `current_principal`: one dependency level less on every request."""

    async def check(request: Request, token: BearerToken) -> Principal:
        principal = await authenticate(request, token)
        if permission not in principal.permissions:
            raise ProblemError(403, FORBIDDEN_CODE, f"This action needs the permission {permission.value}.")
        return principal

    check.__name__ = f"requires_{permission.name.lower()}"
    return check


def requires_any(*permissions: Permission) -> Callable[[Request, str | None], Awaitable[Principal]]:
    """A route dependency: the caller, if it holds one of `permissions` (else 403); the route checks which one its
    request needs (an import: the permission of the entity it imports)."""

    async def check(request: Request, token: BearerToken) -> Principal:
        principal = await authenticate(request, token)
        if not any(p in principal.permissions for p in permissions):
            names = " or ".join(p.value for p in permissions)
            raise ProblemError(403, FORBIDDEN_CODE, f"This action needs the permission {names}.")
        return principal

    check.__name__ = "requires_any_" + "_".join(p.name.lower() for p in permissions)
    return check


def holds(permission: Permission) -> Callable[[Principal], Awaitable[bool]]:
    """A route dependency: whether the caller holds `permission`, for a route whose rule it widens (not a gate)."""

    async def check(principal: CurrentPrincipal) -> bool:
        return permission in principal.permissions

    check.__name__ = f"holds_{permission.name.lower()}"
    return check


HouseholdReader = Annotated[Principal, Depends(requires(Permission.HOUSEHOLDS_READ))]
HouseholdWriter = Annotated[Principal, Depends(requires(Permission.HOUSEHOLDS_WRITE))]
# an import of households needs households:write, of measures measures:write, of findings findings:write (and
# jobs:read to follow it) (imports.service.ENTITIES)
ImportWriter = Annotated[
    Principal,
    Depends(requires_any(Permission.HOUSEHOLDS_WRITE, Permission.MEASURES_WRITE, Permission.FINDINGS_WRITE)),
]
HouseholdTransitioner = Annotated[Principal, Depends(requires(Permission.HOUSEHOLDS_TRANSITION))]
PovertyLineWriter = Annotated[Principal, Depends(requires(Permission.POVERTY_LINES_WRITE))]
UserManager = Annotated[Principal, Depends(requires(Permission.USERS_MANAGE))]
ApiKeyManager = Annotated[Principal, Depends(requires(Permission.API_KEYS_MANAGE))]
AuditReader = Annotated[Principal, Depends(requires(Permission.AUDIT_READ))]
ChangesReader = Annotated[Principal, Depends(requires(Permission.CHANGES_READ))]
JobReader = Annotated[Principal, Depends(requires(Permission.JOBS_READ))]


# a job is cancelled by its owner, or by anyone of its area with jobs:manage (jobs.service.cancel)
JobCanceller = JobReader
ManagesJobs = Annotated[bool, Depends(holds(Permission.JOBS_MANAGE))]
StatsRebuilder = Annotated[Principal, Depends(requires(Permission.STATS_REBUILD))]
WebhookManager = Annotated[Principal, Depends(requires(Permission.WEBHOOKS_MANAGE))]
AdjustmentManager = Annotated[Principal, Depends(requires(Permission.ADJUSTMENTS_MANAGE))]
# a pending change is cancelled by its requester, or by anyone of its area with adjustments:manage
ManagesAdjustments = Annotated[bool, Depends(holds(Permission.ADJUSTMENTS_MANAGE))]
# a locked household change (年度调整) applied now, outside the adjustment window, with `override_reason`
MayOverrideLocks = Annotated[bool, Depends(holds(Permission.ADJUSTMENTS_OVERRIDE))]
CadreReader = Annotated[Principal, Depends(requires(Permission.CADRES_READ))]
CadreWriter = Annotated[Principal, Depends(requires(Permission.CADRES_WRITE))]
# visits (走访) and residency days (驻村); a cadre-linked user (Principal.cadre_id) only its own (cadres.policy)
VisitWriter = Annotated[Principal, Depends(requires(Permission.VISITS_WRITE))]
# evidence is read and attached as its owner record is (evidence.owners): the owner type's resolver decides
EvidenceReader = HouseholdReader
EvidenceWriter = HouseholdReader


class OwnerGone(Exception):
    """A job's owner can no longer run it: removed, deactivated, revoked, or without the permission."""


async def job_owner(
    session: Any, *, owner_type: str, owner_id: str | None, region_code: str | None, needs: Permission
) -> Principal:
    """The owner of a job as a Principal, from their record as it is now (roles, permissions, area, personal-data
    permission): work a job does on someone's behalf stops when they lose the right to do it. The job's area
    (`region_code`, given at submission) stays the outer bound."""
    model: Any = User if owner_type == "user" else ApiKey
    try:
        public_id = uuid.UUID(str(owner_id))
    except ValueError:
        raise OwnerGone("the job has no owner")
    stmt = select(model).where(model.public_id == public_id).execution_options(**unscoped("a job's owner"))
    record = (await session.execute(stmt)).scalar_one_or_none()
    if record is None:
        raise OwnerGone("任务的提交人已不存在 (the job's owner no longer exists)")
    if owner_type == "user":
        if not record.active:
            raise OwnerGone("任务的提交人已停用 (the job's owner was deactivated)")
        granted = permissions_for(list(record.roles))
        name = record.display_name
    else:
        if record.revoked_at is not None or (record.expires_at is not None and record.expires_at <= utcnow()):
            raise OwnerGone("任务的 API 密钥已撤销或过期 (the job's API key was revoked or expired)")
        granted = key_permissions(list(record.roles), list(record.scopes or []))
        name = f"key:{record.name}"
    if needs not in granted:
        raise OwnerGone(f"任务的提交人已没有 {needs.value} 权限 (the owner lost the permission)")
    try:
        scope = issue_scope(record.region_code).narrowed_to(region_code)
    except ProblemError:
        raise OwnerGone("任务的地区已不在提交人的管辖范围内 (the job's area is outside the owner's area now)")
    return Principal(
        kind=owner_type,
        id=record.id,
        public_id=str(record.public_id),
        name=name,
        roles=tuple(record.roles),
        permissions=granted,
        scope=scope,
        department=record.department,
        pii=bool(record.pii),
    )


MeasureReader = Annotated[Principal, Depends(requires(Permission.MEASURES_READ))]
# a department principal writes only measures of its field (measures.department_field, fupin.departments.field)
MeasureWriter = Annotated[Principal, Depends(requires(Permission.MEASURES_WRITE))]
DepartmentManager = Annotated[Principal, Depends(requires(Permission.DEPARTMENTS_MANAGE))]
ProjectReader = Annotated[Principal, Depends(requires(Permission.PROJECTS_READ))]
# a department principal edits only projects of its field (projects.department_field)
ProjectWriter = Annotated[Principal, Depends(requires(Permission.PROJECTS_WRITE))]
# who may move which library step is decided in authz.policy (review: township; the county's decisions: approve)
ProjectStepper = Annotated[Principal, Depends(requires(Permission.PROJECTS_READ))]
FundWriter = Annotated[Principal, Depends(requires(Permission.FUNDS_WRITE))]
AssessmentReader = Annotated[Principal, Depends(requires(Permission.ASSESSMENTS_READ))]
AssessmentManager = Annotated[Principal, Depends(requires(Permission.ASSESSMENTS_MANAGE))]
FindingReader = Annotated[Principal, Depends(requires(Permission.FINDINGS_READ))]
FindingWriter = Annotated[Principal, Depends(requires(Permission.FINDINGS_WRITE))]
FindingRectifier = Annotated[Principal, Depends(requires(Permission.FINDINGS_RECTIFY))]
# the transitions route is open to readers: which move needs which permission is `authz.policy.FINDING_STEPS`
FindingStepper = FindingReader
