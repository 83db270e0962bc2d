/**
 * Supervision finding (督查问题整改) endpoints: the finding, its state moves, steps, rectification tasks (整改措施)
 * and audit trail, typed by the generated contract (src/api/schema.d.ts). Files go through /api/v1/evidence with
 * owner type `finding`.
 */
import { api, ifMatch, unwrap } from '@/api/client'
import type { AuditEvent, Page } from '@/api/types'
import type { components, operations } from '@/api/schema'

type S = components['schemas']
export type Finding = S['FindingOut']
export type FindingRow = S['FindingFields']
export type FindingCreate = S['FindingCreate']
export type FindingUpdate = S['FindingUpdate']
export type FindingStep = S['FindingStepOut']
export type FindingTarget = S['FindingTransitionIn']['to']
export type Task = S['TaskOut']
export type TaskIn = S['TaskIn']
export type TaskUpdate = S['TaskUpdate']
type ListQuery = NonNullable<operations['findings-list']['parameters']['query']>
type Filters = Omit<ListQuery, 'limit' | 'cursor' | 'include_total'>

export interface FindingFilters {
  state?: string | null
  source?: string | null
  batch?: string | null
  category?: string | null
  region_code?: string | null
  responsible_unit?: string | null
  overdue?: boolean | null
  warning?: string | null
  year?: number | null
  q?: string | null
}

/** The filters given (empty ones left out), as the list sends them. */
export function filterQuery(filters: FindingFilters): Filters {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(filters)) if (v !== null && v !== undefined && v !== '') out[k] = v
  return out as Filters
}

export function listFindings(filters: FindingFilters, cursor: string | null, limit = 50): Promise<Page<FindingRow>> {
  return unwrap(
    api.GET('/api/v1/findings', {
      params: { query: { ...filterQuery(filters), limit, cursor: cursor ?? undefined, include_total: cursor === null ? true : undefined } },
    }),
  )
}

export function createFinding(body: FindingCreate): Promise<Finding> {
  return unwrap(api.POST('/api/v1/findings', { body }))
}

export function getFinding(id: string): Promise<Finding> {
  return unwrap(api.GET('/api/v1/findings/{finding_id}', { params: { path: { finding_id: id } } }))
}

export function updateFinding(finding: Finding, body: FindingUpdate): Promise<Finding> {
  return unwrap(
    api.PATCH('/api/v1/findings/{finding_id}', {
      params: { path: { finding_id: finding.id }, header: { 'If-Match': ifMatch(finding.version) } },
      body,
    }),
  )
}

export function transitionFinding(
  finding: Finding,
  body: { to: FindingTarget; reason?: string | null; rectification?: string | null; evidence_ids?: string[] },
): Promise<Finding> {
  return unwrap(
    api.POST('/api/v1/findings/{finding_id}/transitions', {
      params: { path: { finding_id: finding.id }, header: { 'If-Match': ifMatch(finding.version) } },
      body: { to: body.to, reason: body.reason || null, rectification: body.rectification || null, evidence_ids: body.evidence_ids ?? [] },
    }),
  )
}

export async function findingSteps(id: string): Promise<FindingStep[]> {
  return (await unwrap(api.GET('/api/v1/findings/{finding_id}/steps', { params: { path: { finding_id: id } } }))).items
}

export async function findingAuditEvents(id: string): Promise<AuditEvent[]> {
  return (await unwrap(api.GET('/api/v1/findings/{finding_id}/audit-events', { params: { path: { finding_id: id } } }))).items as AuditEvent[]
}

// tasks (整改措施)

export async function listTasks(findingId: string): Promise<Task[]> {
  return (await unwrap(api.GET('/api/v1/findings/{finding_id}/tasks', { params: { path: { finding_id: findingId } } }))).items
}

export function createTask(findingId: string, body: TaskIn): Promise<Task> {
  return unwrap(api.POST('/api/v1/findings/{finding_id}/tasks', { params: { path: { finding_id: findingId } }, body }))
}

export function updateTask(findingId: string, task: Task, body: TaskUpdate): Promise<Task> {
  return unwrap(
    api.PATCH('/api/v1/findings/{finding_id}/tasks/{task_id}', {
      params: { path: { finding_id: findingId, task_id: task.id }, header: { 'If-Match': ifMatch(task.version) } },
      body,
    }),
  )
}

export async function deleteTask(findingId: string, task: Task): Promise<void> {
  await unwrap(
    api.DELETE('/api/v1/findings/{finding_id}/tasks/{task_id}', {
      params: { path: { finding_id: findingId, task_id: task.id }, header: { 'If-Match': ifMatch(task.version) } },
    }),
  )
}
