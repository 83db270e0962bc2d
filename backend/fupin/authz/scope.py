"""Area scopes: the part of the region tree a caller may see, and the one way queries are narrowed to it.

Codes are hierarchical by prefix: province 2 digits, city 4, county 6, township 9, village 12. A subtree is
therefore the half-open range [prefix000..., next_prefix000...), which every B-tree index can scan.

An `AreaScope` is issued by authentication only (`authz.deps`); everything else receives it with the principal.
Tables whose rows belong to an area inherit `AreaScoped` and name their region column; every query of such a
table starts from `scope.select(...)` (or `scope.apply(...)`), and request sessions refuse any other (see
`install_scope_guard`), so a forgotten filter fails loudly instead of leaking another area's data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from sqlalchemy import Select, and_, event, select, true
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.elements import ColumnElement

from fupin.core.errors import not_found

LEVEL_PREFIX = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}
# execution option set by the scope helpers; "unscoped" carries the reason a query deliberately reads everything
SCOPED_OPTION = "fupin_area_scope"
UNSCOPED_OPTION = "fupin_unscoped"


def region_level(code: str) -> int:
    if code[9:12] != "000":
        return 5
    if code[6:9] != "000":
        return 4
    if code[4:6] != "00":
        return 3
    if code[2:4] != "00":
        return 2
    return 1


def region_prefix(code: str) -> str:
    return code[: LEVEL_PREFIX[region_level(code)]]


def code_range(code: str) -> tuple[str, str]:
    prefix = region_prefix(code)
    low = prefix.ljust(12, "0")
    high_prefix = str(int(prefix) + 1).zfill(len(prefix))
    return low, high_prefix.ljust(12, "0")


def within(code: str | None, root: str | None) -> bool:
    """Is `code` inside the subtree rooted at `root`? A None root is the whole system."""
    if root is None:
        return True
    if code is None:
        return False
    low, high = code_range(root)
    return low <= code < high


class AreaScoped:
    """Mixin of tables whose rows belong to an area; `__area_column__` names their 12-digit region column.

    Rows that belong to a household and keep its village as their area name the column that links them,
    `__follows_household__ = ("household_id", "id")` (the household's row id) or `("subject_id", "public_id")`,
    and the entity their change-feed entries name (`__feed_entity__`): when the household moves to another
    village they move with it (`households.moves`), so they are never left behind in the old area."""

    __area_column__: ClassVar[str]
    __follows_household__: ClassVar[tuple[str, str] | None] = None
    __feed_entity__: ClassVar[str | None] = None


_ISSUER = object()


@dataclass(frozen=True, slots=True)
class AreaScope:
    """A subtree of the region tree (None = the whole system). Created by `issue_scope` only."""

    region_code: str | None
    _issuer: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._issuer is not _ISSUER:
            raise TypeError("area scopes are issued by authentication (authz.deps), not built by hand")

    @property
    def whole_system(self) -> bool:
        return self.region_code is None

    @property
    def level(self) -> int:
        """Level of the scope's root (0 = the whole system, 2 = city ... 5 = village)."""
        return 0 if self.region_code is None else region_level(self.region_code)

    def contains(self, code: str | None) -> bool:
        return within(code, self.region_code)

    def condition(self, column: Any) -> ColumnElement[bool]:
        if self.region_code is None:
            return true()
        low, high = code_range(self.region_code)
        return and_(column >= low, column < high)

    def narrowed_to(self, region: str | None) -> AreaScope:
        """The part of this scope inside `region`: a wider region narrows to the scope itself, a region disjoint
        from the scope is a 404 (like every other request for something outside the caller's area)."""
        if region is None or within(self.region_code, region):
            return self
        if self.contains(region):
            return AreaScope(region, _ISSUER)
        raise not_found("region")

    def apply(self, stmt: Any, entity: type[AreaScoped] | None = None) -> Any:
        """Narrow a statement of an area-scoped table (the first selected entity unless named)."""
        if entity is None:
            entity = _first_scoped_entity(stmt)
        column = getattr(entity, entity.__area_column__)
        return stmt.where(self.condition(column)).execution_options(**{SCOPED_OPTION: self.region_code or "*"})

    def apply_on(self, stmt: Any, column: Any) -> Any:
        """Narrow a statement on a region column that is not a scoped table's own (a subquery's, a union's:
        e.g. the assessment's fact rows, each naming the region it counts for)."""
        return stmt.where(self.condition(column)).execution_options(**{SCOPED_OPTION: self.region_code or "*"})

    def select(self, *entities: Any, area_of: type[AreaScoped] | None = None) -> Select[Any]:
        """`select(*entities)` narrowed to the scope: the one way area data is read."""
        return self.apply(select(*entities), area_of)


def issue_scope(region_code: str | None) -> AreaScope:
    """For authentication only: the scope of an authenticated principal."""
    return AreaScope(region_code, _ISSUER)


def unscoped(reason: str) -> dict[str, str]:
    """Execution options of a query that deliberately reads across areas; the reason is kept for review."""
    return {UNSCOPED_OPTION: reason}


def _first_scoped_entity(stmt: Any) -> type[AreaScoped]:
    for desc in stmt.column_descriptions:
        entity = desc.get("entity")
        if isinstance(entity, type) and issubclass(entity, AreaScoped):
            return entity
    raise TypeError("the statement selects no area-scoped table; name it with area_of=")


class UnscopedQuery(RuntimeError):
    pass


@event.listens_for(Session, "do_orm_execute")
def _scope_guard(state: ORMExecuteState) -> None:
    """In sessions marked `area_guard` (every request session), refuse an ORM SELECT of an area-scoped table that
    was neither narrowed by `AreaScope.select/apply` nor declared `unscoped(reason)`. Lazy loads from a scoped
    parent pass."""
    if not state.is_select or not state.session.info.get("area_guard") or state.is_relationship_load:
        return
    options = state.execution_options
    if SCOPED_OPTION in options or UNSCOPED_OPTION in options:
        return
    for mapper in state.all_mappers:
        if issubclass(mapper.class_, AreaScoped):
            raise UnscopedQuery(f"query of {mapper.class_.__name__} without the caller's area scope")
