from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from fupin.core.code_tables import TABLES
from fupin.core.errors import not_found
from fupin.core.openapi import problems


class CodeEntry(BaseModel):
    code: str
    zh: str
    en: str


class CodeTable(BaseModel):
    name: str
    items: list[CodeEntry]


class CodeTables(BaseModel):
    tables: dict[str, list[CodeEntry]]


router = APIRouter(prefix="/api/v1/codes", tags=["codes"])
_ALL = CodeTables(tables={name: [CodeEntry(code=c, zh=z, en=e) for c, z, e in rows] for name, rows in TABLES.items()})


@router.get("", response_model=CodeTables, operation_id="codes-list", responses=problems())
async def all_codes() -> CodeTables:
    """Every code table with national codes and zh-CN / en labels (public reference data)."""
    return _ALL


@router.get("/{table}", response_model=CodeTable, operation_id="codes-get", responses=problems(404))
async def one_table(table: str) -> CodeTable:
    if table not in _ALL.tables:
        raise not_found("code table")
    return CodeTable(name=table, items=_ALL.tables[table])
