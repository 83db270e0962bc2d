from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from fupin.authz.roles import Permission, Role, permissions_for
from fupin.core.schemas import Code, OutModel, RegionCode, StrictModel, code_schema, error_at

# How far ahead an API key may expire: long-lived machine credentials still get rotated.
API_KEY_MAX_YEARS = 10
_DATE_ONLY = re.compile(r"^\s*\d{4}-\d{2}-\d{2}\s*$")
_DATE_TIME = re.compile(r"^\s*\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _instant_text(value: Any) -> Any:
    """An instant is an RFC 3339 string with a time and an explicit offset; a bare date has neither."""
    if isinstance(value, datetime):  # Python callers
        return value
    if isinstance(value, str) and _DATE_ONLY.match(value):
        raise PydanticCustomError(
            "datetime.date_only",
            "须为带时区的时间而非日期, 如 2030-01-01T00:00:00+08:00 (a date and time with an offset, not a date)",
        )
    if not isinstance(value, str) or not _DATE_TIME.match(value):
        raise PydanticCustomError(
            "datetime.format",
            "须为 RFC 3339 时间, 如 2030-01-01T00:00:00+08:00 (an RFC 3339 date and time with an offset)",
        )
    return value


def _future_instant(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError(
            "datetime.offset_required",
            "须注明时区, 如 +08:00 或 Z (the time needs an explicit offset such as +08:00 or Z)",
        )
    try:
        instant = value.astimezone(UTC)
    except OverflowError:
        instant = None
    now = datetime.now(UTC)
    if instant is None or instant <= now or instant > now + timedelta(days=365 * API_KEY_MAX_YEARS + 3):
        raise PydanticCustomError(
            "date.out_of_range",
            "过期时间须晚于现在且不超过 {years} 年 (must be in the future and at most {years} years ahead)",
            {"years": API_KEY_MAX_YEARS},
        )
    return instant


# An API key's expiry: explicit offset, in the future, at most API_KEY_MAX_YEARS ahead; kept in UTC.
ExpiresAt = Annotated[datetime, BeforeValidator(_instant_text), AfterValidator(_future_instant)]


class TokenOut(OutModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires")
    refresh_token: str


class RefreshIn(StrictModel):
    refresh_token: Annotated[str, Field(min_length=10, max_length=200, pattern="^[A-Za-z0-9_-]+$")]  # token_urlsafe


class MeOut(OutModel):
    id: uuid.UUID
    kind: str
    username: str
    display_name: str
    roles: list[str]
    role_labels: list[str]
    region_code: str | None
    region_name: str | None
    department: str | None
    pii: bool
    permissions: list[str]
    cadre_id: uuid.UUID | None = Field(None, description="A cadre-linked login (帮扶干部): its cadre")


# a line department's code: the key of its field of measures (fupin.departments)
DepartmentCode = Annotated[str, Code("department"), code_schema("department")]


class UserCreate(StrictModel):
    username: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.\-]{3,60}$")]
    password: Annotated[str, Field(min_length=8, max_length=200)]
    display_name: Annotated[str, Field(min_length=1, max_length=100)]
    roles: Annotated[list[Role], Field(min_length=1, max_length=5)]
    region_code: RegionCode | None = None
    department: DepartmentCode | None = Field(None, description="A line department: its field of measures")
    pii: bool = False
    cadre_id: uuid.UUID | None = Field(
        None, description="Link the login to a cadre of the caller's area: it then logs only that cadre's visits"
    )


class UserUpdate(StrictModel):
    """Partial update: only the fields sent change (`cadre_id: null` unlinks the cadre)."""

    not_null: ClassVar[frozenset[str]] = frozenset({"display_name", "active"})

    display_name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    cadre_id: uuid.UUID | None = None
    active: bool | None = None


class UserOut(OutModel):
    id: uuid.UUID
    username: str
    display_name: str
    roles: list[str]
    region_code: str | None
    department: str | None
    pii: bool
    active: bool
    created_at: datetime
    version: int
    cadre_id: uuid.UUID | None = None


class UserList(OutModel):
    items: list[UserOut]


class ApiKeyCreate(StrictModel):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    roles: Annotated[list[Role], Field(min_length=1, max_length=3)]
    scopes: list[Permission] = Field(default_factory=list, description="Narrow the roles' permissions; empty = all")
    region_code: RegionCode | None = None
    department: DepartmentCode | None = Field(None, description="A line department: its field of measures")
    pii: bool = False
    expires_at: ExpiresAt | None = None

    @model_validator(mode="after")
    def _scopes_grant_something(self) -> ApiKeyCreate:
        if self.scopes and not set(self.scopes) & permissions_for([r.value for r in self.roles]):
            raise error_at(
                "scopes",
                "api_key.scopes_grant_nothing",
                "所列权限均不在所选角色之内, 此密钥将无任何权限 (none of the scopes is granted by the roles)",
            )
        return self


class ApiKeyOut(OutModel):
    id: uuid.UUID
    name: str
    prefix: str
    roles: list[str]
    scopes: list[str]
    region_code: str | None
    department: str | None
    pii: bool
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    created_at: datetime


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The secret, shown once; only its hash is stored")


class ApiKeyList(OutModel):
    items: list[ApiKeyOut]
