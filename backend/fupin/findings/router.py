"""HTTP routes of supervision findings (督查问题整改): list, raise, read, update, transitions, the step history, the
rectification tasks and the finding's audit trail."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from fupin.audit import trail
from fupin.audit.schemas import AuditPage, TrailQuery
from fupin.authz.deps import FindingReader, FindingRectifier, FindingStepper, FindingWriter
from fupin.authz.principal import Principal
from fupin.core.concurrency import IfMatch, IfMatchRequired, etag, if_match_sent, parse_if_match
from fupin.core.db import DbSession
from fupin.core.openapi import UPDATE, WRITE, problems
from fupin.core.params import query_model
from fupin.core.readpath import ReadDb
from fupin.departments.field import sees_health
from fupin.findings import deadlines, listing, service, tasks, workflow
from fupin.findings import evidence as _evidence  # noqa: F401  (findings own evidence files)
from fupin.findings.models import Finding
from fupin.findings.schemas import (
    FindingCreate,
    FindingListQuery,
    FindingOut,
    FindingPage,
    FindingSteps,
    FindingTransitionIn,
    FindingUpdate,
    PauseEnd,
    PauseIn,
    PauseList,
    PauseOut,
    ReminderQuery,
    Reminders,
    TaskIn,
    TaskList,
    TaskOut,
    TaskUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["findings"])
JSON = "application/json"
list_query, LIST_QUERY_DOCS = query_model(FindingListQuery)
LINKS = {
    "GetFinding": {"operationId": "findings-get", "parameters": {"finding_id": "$response.body#/id"}},
    "UpdateFinding": {"operationId": "findings-update", "parameters": {"finding_id": "$response.body#/id"}},
    "TransitionFinding": {"operationId": "findings-transition", "parameters": {"finding_id": "$response.body#/id"}},
}


async def _out(session: DbSession, principal: Principal, response: Response, finding: Finding) -> FindingOut:
    await session.flush()  # the version the answer names is the one committed
    response.headers["ETag"] = etag(finding.version)
    return await service.finding_out(session, principal, finding)


@router.get(
    "/findings",
    response_model=FindingPage,
    operation_id="findings-list",
    responses=problems(403, 404),
    openapi_extra=LIST_QUERY_DOCS,
)
async def list_findings(
    read: ReadDb, principal: FindingReader, params: Annotated[FindingListQuery, Depends(list_query)]
) -> Response:
    """Findings of the caller's area (or of `region_code`, within it), newest first, filtered, in keyset pages
    (`next_cursor`). The discipline commission's inbox (移交纪委): `?state=transferred`."""
    scope = principal.scope.narrowed_to(params.region_code)
    body = await listing.page_json(
        read, scope, params, limit=params.limit, cursor=params.cursor, include_total=params.include_total
    )
    return Response(body, media_type=JSON)


@router.post(
    "/findings",
    response_model=FindingOut,
    status_code=201,
    operation_id="findings-create",
    responses={**problems(*WRITE), 201: {"description": "Created", "links": LINKS}},
)
async def create_finding(
    body: FindingCreate, session: DbSession, principal: FindingWriter, response: Response
) -> FindingOut:
    """Raise a finding (待整改) for a region within the caller's area, linked to records of that area; it gets the
    next number of the year of `raised_on`."""
    finding = await service.create_finding(session, principal, data=body)
    response.headers["Location"] = f"/api/v1/findings/{finding.public_id}"
    return await _out(session, principal, response, finding)


@router.get(
    "/findings/reminders",
    response_model=Reminders,
    operation_id="findings-reminders",
    responses=problems(403, 404),
)
async def finding_reminders(
    session: DbSession, principal: FindingReader, params: Annotated[ReminderQuery, Query()]
) -> Reminders:
    """督办提醒: per responsible unit of the caller's area (or of `region_code`, within it), its open findings and
    how many are overdue, yellow and red (as of the daily deadline check), and the nearest deadline."""
    scope = principal.scope.narrowed_to(params.region_code)
    return Reminders(items=await deadlines.reminders(session, scope))


@router.get(
    "/findings/{finding_id}",
    response_model=FindingOut,
    operation_id="findings-get",
    responses=problems(403, 404),
)
async def get_finding(
    finding_id: uuid.UUID, session: DbSession, principal: FindingReader, response: Response
) -> FindingOut:
    finding = await service.read_finding(session, principal, finding_id=finding_id)
    response.headers["ETag"] = etag(finding.version)
    return await service.finding_out(session, principal, finding)


@router.patch(
    "/findings/{finding_id}",
    response_model=FindingOut,
    operation_id="findings-update",
    responses=problems(*UPDATE),
)
async def update_finding(
    finding_id: uuid.UUID,
    body: FindingUpdate,
    session: DbSession,
    principal: FindingWriter,
    response: Response,
    if_match: IfMatchRequired = None,
) -> FindingOut:
    """Change a finding's fields (If-Match) while it is open (409 `finding.closed` once closed or transferred)."""
    finding = await service.update_finding(
        session, principal, finding_id=finding_id, expected_version=parse_if_match(if_match), data=body
    )
    return await _out(session, principal, response, finding)


@router.post(
    "/findings/{finding_id}/transitions",
    response_model=FindingOut,
    operation_id="findings-transition",
    responses=problems(*UPDATE),
)
async def transition_finding(
    finding_id: uuid.UUID,
    body: FindingTransitionIn,
    session: DbSession,
    principal: FindingStepper,
    response: Response,
    if_match: IfMatch = None,
) -> FindingOut:
    """Move the finding through its rectification workflow. A move the table lacks is 409
    `finding.transition_not_allowed` with the allowed ones in `allowed`; a caller who may not make the step is 403
    `findings.step_not_allowed`; the responsible unit closing or returning its own finding is 403
    `findings.own_finding`. If-Match is checked when sent."""
    finding = await workflow.transition(
        session,
        principal,
        finding_id=finding_id,
        expected_version=parse_if_match(if_match, required=False) if if_match_sent(if_match) else None,
        data=body,
    )
    return await _out(session, principal, response, finding)


@router.get(
    "/findings/{finding_id}/steps",
    response_model=FindingSteps,
    operation_id="findings-steps",
    responses=problems(403, 404),
)
async def finding_steps(finding_id: uuid.UUID, session: DbSession, principal: FindingReader) -> FindingSteps:
    """The step history of the finding, oldest first; the raising (待整改) is the first, from_state null."""
    return FindingSteps(items=await workflow.steps(session, principal, finding_id=finding_id))


@router.get(
    "/findings/{finding_id}/audit-events",
    response_model=AuditPage,
    operation_id="findings-audit-events",
    tags=["audit"],
    responses=problems(403, 404),
)
async def finding_audit_events(
    finding_id: uuid.UUID, session: DbSession, principal: FindingReader, params: Annotated[TrailQuery, Query()]
) -> AuditPage:
    """The trail (操作记录) of one finding: its own changes, its tasks' and its files'."""
    finding = await service.read_finding(session, principal, finding_id=finding_id)
    return await trail.subject_page(
        session,
        principal,
        subject_id=str(finding.public_id),
        after=params.after,
        limit=params.limit,
        health=await sees_health(session, principal),
    )


@router.get(
    "/findings/{finding_id}/tasks",
    response_model=TaskList,
    operation_id="findings-tasks-list",
    responses=problems(403, 404),
)
async def list_tasks(finding_id: uuid.UUID, session: DbSession, principal: FindingReader) -> TaskList:
    """The finding's rectification tasks (整改措施), in order."""
    return TaskList(items=await tasks.list_tasks(session, principal, finding_id=finding_id))


@router.post(
    "/findings/{finding_id}/tasks",
    response_model=TaskOut,
    status_code=201,
    operation_id="findings-tasks-create",
    responses=problems(*WRITE),
)
async def create_task(
    finding_id: uuid.UUID, body: TaskIn, session: DbSession, principal: FindingRectifier, response: Response
) -> TaskOut:
    task = await tasks.create_task(session, principal, finding_id=finding_id, data=body)
    response.headers["Location"] = f"/api/v1/findings/{finding_id}/tasks/{task.public_id}"
    response.headers["ETag"] = etag(task.version)
    return tasks.task_out(task)


@router.patch(
    "/findings/{finding_id}/tasks/{task_id}",
    response_model=TaskOut,
    operation_id="findings-tasks-update",
    responses=problems(*UPDATE),
)
async def update_task(
    finding_id: uuid.UUID,
    task_id: uuid.UUID,
    body: TaskUpdate,
    session: DbSession,
    principal: FindingRectifier,
    response: Response,
    if_match: IfMatchRequired = None,
) -> TaskOut:
    """Change a task (If-Match), e.g. mark it done (`done_on`)."""
    task = await tasks.update_task(
        session,
        principal,
        finding_id=finding_id,
        task_id=task_id,
        expected_version=parse_if_match(if_match),
        data=body,
    )
    await session.flush()
    response.headers["ETag"] = etag(task.version)
    return tasks.task_out(task)


@router.delete(
    "/findings/{finding_id}/tasks/{task_id}",
    status_code=204,
    operation_id="findings-tasks-delete",
    responses=problems(*UPDATE),
)
async def delete_task(
    finding_id: uuid.UUID,
    task_id: uuid.UUID,
    session: DbSession,
    principal: FindingRectifier,
    if_match: IfMatchRequired = None,
) -> Response:
    """Remove a task (If-Match) while the finding is being rectified."""
    await tasks.delete_task(
        session, principal, finding_id=finding_id, task_id=task_id, expected_version=parse_if_match(if_match)
    )
    return Response(status_code=204)


@router.get(
    "/findings/{finding_id}/pauses",
    response_model=PauseList,
    operation_id="findings-pauses-list",
    responses=problems(403, 404),
)
async def list_pauses(finding_id: uuid.UUID, session: DbSession, principal: FindingReader) -> PauseList:
    """The pauses of the finding's deadline, oldest first."""
    return PauseList(items=await deadlines.list_pauses(session, principal, finding_id=finding_id))


@router.post(
    "/findings/{finding_id}/pauses",
    response_model=PauseOut,
    status_code=201,
    operation_id="findings-pauses-create",
    responses=problems(*WRITE),
)
async def start_pause(
    finding_id: uuid.UUID, body: PauseIn, session: DbSession, principal: FindingWriter, response: Response
) -> PauseOut:
    """Pause the deadline while the finding waits on another body (`waits_on`): its days from `starts_on` are not
    overdue. One pause at a time (409 `finding.paused`); an open finding only (409 `finding.closed`)."""
    pause = await deadlines.start_pause(session, principal, finding_id=finding_id, data=body)
    response.headers["Location"] = f"/api/v1/findings/{finding_id}/pauses/{pause.public_id}"
    return deadlines.pause_out(pause)


@router.post(
    "/findings/{finding_id}/pauses/{pause_id}/end",
    response_model=PauseOut,
    operation_id="findings-pauses-end",
    responses=problems(*UPDATE),
)
async def end_pause(
    finding_id: uuid.UUID, pause_id: uuid.UUID, body: PauseEnd, session: DbSession, principal: FindingWriter
) -> PauseOut:
    """End the running pause; `ends_on` is its last paused day."""
    pause = await deadlines.end_pause(session, principal, finding_id=finding_id, pause_id=pause_id, data=body)
    return deadlines.pause_out(pause)
