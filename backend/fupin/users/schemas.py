from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field

from fupin.authz.roles import Permission, Role
from fupin.core.schemas import DateTimeIn, OutModel, RegionCode, StrictModel


class TokenOut(OutModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires")
    refresh_token: str


class RefreshIn(StrictModel):
    refresh_token: Annotated[str, Field(min_length=10, max_length=200)]


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


class UserCreate(StrictModel):
    username: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.\-]{3,60}$")]
    password: Annotated[str, Field(min_length=8, max_length=200)]
    display_name: Annotated[str, Field(min_length=1, max_length=100)]
    roles: Annotated[list[Role], Field(min_length=1, max_length=5)]
    region_code: RegionCode | None = None
    department: Annotated[str, Field(max_length=40)] | None = None
    pii: bool = False


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


class UserList(OutModel):
    items: list[UserOut]


class ApiKeyCreate(StrictModel):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    roles: Annotated[list[Role], Field(min_length=1, max_length=3)]
    scopes: list[Permission] = Field(default_factory=list, description="Narrow the roles' permissions; empty = all")
    region_code: RegionCode | None = None
    department: Annotated[str, Field(max_length=40)] | None = None
    pii: bool = False
    expires_at: DateTimeIn | None = None


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
