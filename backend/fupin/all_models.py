"""Imports every table so Base.metadata is complete (Alembic autogenerate, tests)."""

from fupin.adjustments.models import AdjustmentWindow, PendingChange
from fupin.audit.models import AuditEvent, ChainHead, ChangeEntry
from fupin.cadres.models import Assignment, Cadre, ResidencyDay, Visit
from fupin.core.idempotency import IdempotencyRecord
from fupin.core.models import Base
from fupin.departments.models import Department
from fupin.evidence.models import Evidence
from fupin.findings.models import Finding, FindingCounter, FindingLink, FindingStep, FindingTask
from fupin.households.models import (
    Assessment,
    Household,
    Income,
    Member,
    StatusChange,
    VillageSequence,
)
from fupin.jobs.models import Job
from fupin.measures.models import Measure
from fupin.poverty_lines.models import PovertyLine
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
from fupin.scoring.models import FactRecord, IndicatorSet, Period, Score
from fupin.users.models import ApiKey, RefreshToken, User
from fupin.views.models import OPEN_MEASURES_BY_PLANNED
from fupin.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription

__all__ = [
    "OPEN_MEASURES_BY_PLANNED",
    "AdjustmentWindow",
    "ApiKey",
    "Assessment",
    "Assignment",
    "AuditEvent",
    "Base",
    "Cadre",
    "ChainHead",
    "ChangeEntry",
    "Department",
    "Evidence",
    "FactRecord",
    "Finding",
    "FindingCounter",
    "FindingLink",
    "FindingStep",
    "FindingTask",
    "FundAllocation",
    "FundDisbursement",
    "Household",
    "IdempotencyRecord",
    "Income",
    "IndicatorSet",
    "Job",
    "Measure",
    "Member",
    "PendingChange",
    "Period",
    "PovertyLine",
    "Project",
    "ProjectBeneficiary",
    "ProjectMilestone",
    "ProjectNotice",
    "ProjectRegion",
    "ProjectStep",
    "ProjectTarget",
    "ProjectTargetUpdate",
    "RefreshToken",
    "Region",
    "ResidencyDay",
    "Score",
    "StatusChange",
    "User",
    "VillageSequence",
    "Visit",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
]
