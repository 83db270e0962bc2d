"""HTTP routes of a project's targets (绩效目标) and their reported actuals, milestones (节点) and beneficiaries
(受益户)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from fupin.authz.deps import ProjectReader, ProjectWriter
from fupin.core.concurrency import IfMatch, IfMatchRequired, etag, parse_if_match
from fupin.core.db import DbSession
from fupin.core.openapi import UPDATE, WRITE, problems
from fupin.projects import beneficiaries, milestones, targets
from fupin.projects.progress_schemas import (
    BeneficiariesIn,
    BeneficiariesOut,
    MilestoneIn,
    MilestoneList,
    MilestoneOut,
    MilestoneUpdate,
    TargetActualIn,
    TargetActualList,
    TargetActualOut,
    TargetIn,
    TargetList,
    TargetOut,
    TargetUpdate,
)

router = APIRouter(prefix="/api/v1/projects", tags=["projects"])


@router.get(
    "/{project_id}/targets",
    response_model=TargetList,
    operation_id="projects-targets-list",
    responses=problems(403, 404),
)
async def list_targets(project_id: uuid.UUID, session: DbSession, principal: ProjectReader) -> TargetList:
    """The project's targets; a derived target's actual is counted from the linked measures as it is read."""
    return TargetList(items=await targets.list_targets(session, principal, project_id=project_id))


@router.post(
    "/{project_id}/targets",
    response_model=TargetOut,
    status_code=201,
    operation_id="projects-targets-create",
    responses=problems(*WRITE),
)
async def create_target(
    project_id: uuid.UUID, body: TargetIn, session: DbSession, principal: ProjectWriter, response: Response
) -> TargetOut:
    target, out = await targets.create_target(session, principal, project_id=project_id, data=body)
    response.headers["Location"] = f"/api/v1/projects/{project_id}/targets/{target.public_id}"
    response.headers["ETag"] = etag(target.version)
    return out


@router.patch(
    "/{project_id}/targets/{target_id}",
    response_model=TargetOut,
    operation_id="projects-targets-update",
    responses=problems(*UPDATE),
)
async def update_target(
    project_id: uuid.UUID,
    target_id: uuid.UUID,
    body: TargetUpdate,
    session: DbSession,
    principal: ProjectWriter,
    response: Response,
    if_match: IfMatch = None,
) -> TargetOut:
    """Change what the target says (metric, unit, baseline, target); the actual only changes by updates."""
    target, out = await targets.update_target(
        session,
        principal,
        project_id=project_id,
        target_id=target_id,
        expected_version=parse_if_match(if_match, required=False),
        data=body,
    )
    response.headers["ETag"] = etag(target.version)
    return out


@router.post(
    "/{project_id}/targets/{target_id}/updates",
    response_model=TargetActualOut,
    status_code=201,
    operation_id="projects-targets-report",
    responses=problems(*WRITE),
)
async def report_actual(
    project_id: uuid.UUID, target_id: uuid.UUID, body: TargetActualIn, session: DbSession, principal: ProjectWriter
) -> TargetActualOut:
    """Report the actual (实际完成) as of a day: kept beside the earlier ones, never overwriting them. A derived
    target refuses it (409 `project_target.derived`)."""
    return await targets.report_actual(session, principal, project_id=project_id, target_id=target_id, data=body)


@router.get(
    "/{project_id}/targets/{target_id}/updates",
    response_model=TargetActualList,
    operation_id="projects-targets-updates",
    responses=problems(403, 404),
)
async def list_actuals(
    project_id: uuid.UUID, target_id: uuid.UUID, session: DbSession, principal: ProjectReader
) -> TargetActualList:
    """The reported actuals of the target, newest first."""
    items = await targets.list_actuals(session, principal, project_id=project_id, target_id=target_id)
    return TargetActualList(items=items)


@router.get(
    "/{project_id}/milestones",
    response_model=MilestoneList,
    operation_id="projects-milestones-list",
    responses=problems(403, 404),
)
async def list_milestones(project_id: uuid.UUID, session: DbSession, principal: ProjectReader) -> MilestoneList:
    return MilestoneList(items=await milestones.list_milestones(session, principal, project_id=project_id))


@router.post(
    "/{project_id}/milestones",
    response_model=MilestoneOut,
    status_code=201,
    operation_id="projects-milestones-create",
    responses=problems(*WRITE),
)
async def create_milestone(
    project_id: uuid.UUID, body: MilestoneIn, session: DbSession, principal: ProjectWriter, response: Response
) -> MilestoneOut:
    milestone = await milestones.create_milestone(session, principal, project_id=project_id, data=body)
    response.headers["Location"] = f"/api/v1/projects/{project_id}/milestones/{milestone.public_id}"
    response.headers["ETag"] = etag(milestone.version)
    return milestones.milestone_out(milestone)


@router.patch(
    "/{project_id}/milestones/{milestone_id}",
    response_model=MilestoneOut,
    operation_id="projects-milestones-update",
    responses=problems(*UPDATE),
)
async def update_milestone(
    project_id: uuid.UUID,
    milestone_id: uuid.UUID,
    body: MilestoneUpdate,
    session: DbSession,
    principal: ProjectWriter,
    response: Response,
    if_match: IfMatchRequired = None,
) -> MilestoneOut:
    """Change a milestone (If-Match: its ETag); `done_on` marks it done, null not done."""
    milestone = await milestones.update_milestone(
        session,
        principal,
        project_id=project_id,
        milestone_id=milestone_id,
        expected_version=parse_if_match(if_match),
        data=body,
    )
    response.headers["ETag"] = etag(milestone.version)
    return milestones.milestone_out(milestone)


@router.get(
    "/{project_id}/beneficiaries",
    response_model=BeneficiariesOut,
    operation_id="projects-beneficiaries-list",
    responses=problems(403, 404),
)
async def list_beneficiaries(project_id: uuid.UUID, session: DbSession, principal: ProjectReader) -> BeneficiariesOut:
    """The households benefiting from the project, their measures delivered through it, and the counts (poor:
    status not_exited or returned)."""
    return await beneficiaries.list_beneficiaries(session, principal, project_id=project_id)


@router.post(
    "/{project_id}/beneficiaries",
    response_model=BeneficiariesOut,
    operation_id="projects-beneficiaries-link",
    responses=problems(*WRITE),
)
async def link_beneficiaries(
    project_id: uuid.UUID, body: BeneficiariesIn, session: DbSession, principal: ProjectWriter
) -> BeneficiariesOut:
    """Link households of the project's regions (422 at `/household_ids/<i>` outside them, 404 outside your area)
    and name the project on their measures (`measure_ids`). Answers the beneficiaries as they are then."""
    return await beneficiaries.link_beneficiaries(session, principal, project_id=project_id, data=body)


@router.delete(
    "/{project_id}/beneficiaries/{household_id}",
    status_code=204,
    operation_id="projects-beneficiaries-unlink",
    responses=problems(*WRITE),
)
async def unlink_beneficiary(
    project_id: uuid.UUID, household_id: uuid.UUID, session: DbSession, principal: ProjectWriter
) -> Response:
    """Unlink the household; its measures no longer name the project."""
    await beneficiaries.unlink_beneficiary(session, principal, project_id=project_id, household_id=household_id)
    return Response(status_code=204)
