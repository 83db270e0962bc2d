"""Inputs of exports: the household list's filters (the same model, without its paging), format and encoding."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from fupin.core.schemas import StrictModel, error_at
from fupin.households.schemas import HouseholdListQuery

ExportFormat = Literal["csv", "xlsx", "ndjson"]
ExportEncoding = Literal["utf-8", "gb18030"]
# the list's parameters an export does not take: it has every row, in household-number order
LIST_ONLY = frozenset({"cursor", "limit", "sort", "include_total"})
FILTER_NAMES = tuple(name for name in HouseholdListQuery.model_fields if name not in LIST_ONLY)


class _ExportFilterBase(BaseModel):
    def filter_values(self) -> dict[str, Any]:
        """The filters given (None left out), as the audit event and the job's parameters keep them."""
        return {name: value for name in FILTER_NAMES if (value := getattr(self, name)) is not None}


# The household list's filters, exactly: the same fields and rules, taken from the list's own model.
HouseholdExportFilters: type[_ExportFilterBase] = create_model(  # type: ignore[call-overload]
    "HouseholdExportFilters",
    __base__=_ExportFilterBase,
    __doc__="The household list's filters (GET /api/v1/households without cursor, limit, sort, include_total).",
    **{
        name: (HouseholdListQuery.model_fields[name].annotation, HouseholdListQuery.model_fields[name])
        for name in FILTER_NAMES
    },
)


def _csv_only(format: str, encoding: str | None) -> None:
    if encoding is not None and format != "csv":
        raise error_at("encoding", "export.encoding_csv_only", "编码只适用于 CSV (encoding applies to CSV only)")


class HouseholdExportQuery(HouseholdExportFilters):
    """Query parameters of `GET /api/v1/households/export`: the list's filters, the format and the encoding."""

    format: ExportFormat = Field("csv", description="csv (default), xlsx or ndjson (one household per line)")
    encoding: ExportEncoding | None = Field(
        None, description="CSV only: utf-8 (default, written with a BOM for Excel) or gb18030"
    )

    @model_validator(mode="after")
    def _encoding_for_csv(self) -> HouseholdExportQuery:
        _csv_only(self.format, self.encoding)
        return self


class StrictExportFilters(HouseholdExportFilters):
    model_config = ConfigDict(extra="forbid")


class ExportCreate(StrictModel):
    """`POST /api/v1/exports`: an export written by a job, downloaded from `GET /api/v1/jobs/{id}/file`."""

    entity: Literal["households"] = Field(description="What to export (households: one row per member)")
    format: ExportFormat = "csv"
    encoding: ExportEncoding | None = Field(None, description="CSV only: utf-8 (default, with BOM) or gb18030")
    filters: Annotated[StrictExportFilters, Field(default_factory=StrictExportFilters)]

    @model_validator(mode="after")
    def _encoding_for_csv(self) -> ExportCreate:
        _csv_only(self.format, self.encoding)
        return self
