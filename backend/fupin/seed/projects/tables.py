"""The tables the demo projects are written to and read from (their SQLAlchemy Core tables)."""

from sqlalchemy import Table

from fupin.cadres.models import Assignment
from fupin.departments.models import Department
from fupin.households.models import Household
from fupin.measures.models import Measure
from fupin.projects.models import (
    FundAllocation,
    FundDisbursement,
    Project,
    ProjectBeneficiary,
    ProjectMilestone,
    ProjectNotice,
    ProjectRegion,
    ProjectStep,
    ProjectTarget,
    ProjectTargetUpdate,
)
from fupin.regions.models import Region

PROJECTS: Table = Project.__table__  # type: ignore[assignment]
PROJECT_REGIONS: Table = ProjectRegion.__table__  # type: ignore[assignment]
STEPS: Table = ProjectStep.__table__  # type: ignore[assignment]
TARGETS: Table = ProjectTarget.__table__  # type: ignore[assignment]
TARGET_UPDATES: Table = ProjectTargetUpdate.__table__  # type: ignore[assignment]
MILESTONES: Table = ProjectMilestone.__table__  # type: ignore[assignment]
ALLOCATIONS: Table = FundAllocation.__table__  # type: ignore[assignment]
DISBURSEMENTS: Table = FundDisbursement.__table__  # type: ignore[assignment]
BENEFICIARIES: Table = ProjectBeneficiary.__table__  # type: ignore[assignment]
NOTICES: Table = ProjectNotice.__table__  # type: ignore[assignment]
MEASURES: Table = Measure.__table__  # type: ignore[assignment]
HOUSEHOLDS: Table = Household.__table__  # type: ignore[assignment]
REGIONS: Table = Region.__table__  # type: ignore[assignment]
DEPARTMENTS: Table = Department.__table__  # type: ignore[assignment]
ASSIGNMENTS: Table = Assignment.__table__  # type: ignore[assignment]
