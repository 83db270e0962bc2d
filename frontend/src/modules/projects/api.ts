/**
 * Project (扶贫项目库) endpoints: the project, its stages, targets, milestones, beneficiaries, funds (下达, 报账,
 * views, anomalies) and notices (公示公告), typed by the generated contract (src/api/schema.d.ts).
 */
import { api, ifMatch, unwrap } from '@/api/client'
import { download, send } from '@/api/http'
import type { Page } from '@/api/types'
import type { AuditEvent, HouseholdRow } from '@/api/types'
import type { components, operations } from '@/api/schema'

type S = components['schemas']
export type Project = S['ProjectOut']
export type ProjectRow = S['ProjectRow']
export type ProjectCreate = S['ProjectCreate']
export type ProjectUpdate = S['ProjectUpdate']
export type ProjectStep = S['ProjectStepOut']
export type ProjectOverview = S['ProjectOverview']
export type Target = S['TargetOut']
export type TargetIn = S['TargetIn']
export type TargetUpdate = S['TargetUpdate']
export type TargetActual = S['TargetActualOut']
export type TargetActualIn = S['TargetActualIn']
export type Milestone = S['MilestoneOut']
export type MilestoneIn = S['MilestoneIn']
export type MilestoneUpdate = S['MilestoneUpdate']
export type Beneficiaries = S['BeneficiariesOut']
export type Stage = S['ProjectTransitionIn']['to']
export type Notice = S['NoticeOut']
export type NoticeIn = S['NoticeIn']
export type NoticeUpdate = S['NoticeUpdate']
export type NoticeKind = NoticeIn['kind']
export type OverdueNotice = S['OverdueItem']
export type Allocation = S['AllocationOut']
export type AllocationIn = S['AllocationIn']
export type Disbursement = S['DisbursementOut']
export type DisbursementIn = S['DisbursementIn']
export type FundsSummary = S['ProjectFunds']
export type CountyFunds = S['CountyFunds']
export type CountyView = S['CountyView']
export type Anomaly = S['AnomalyOut']
export type AnomalyPage = S['AnomalyPage']
type AnomalyQuery = NonNullable<operations['fund-anomalies-list']['parameters']['query']>
type CountyQuery = NonNullable<operations['fund-views-by-county']['parameters']['query']>
type ListQuery = NonNullable<operations['projects-list']['parameters']['query']>
type Filters = Omit<ListQuery, 'limit' | 'cursor' | 'include_total'>

export interface ProjectFilters {
  region?: string | null
  category?: string | null
  level?: string | null
  stage?: string | null
  health?: string | null
  year?: number | null
  q?: string | null
}

export type ExportFormat = 'csv' | 'gb18030' | 'xlsx' | 'ndjson'

/** The filters given (empty ones left out), as the list and the export send them. */
export function filterQuery(filters: ProjectFilters): Filters {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(filters)) if (v !== null && v !== undefined && v !== '') out[k] = v
  return out as Filters
}

export function listProjects(filters: ProjectFilters, cursor: string | null, limit = 50): Promise<Page<ProjectRow>> {
  return unwrap(
    api.GET('/api/v1/projects', {
      params: { query: { ...filterQuery(filters), limit, cursor: cursor ?? undefined, include_total: cursor === null ? true : undefined } },
    }),
  )
}

export function exportProjects(filters: ProjectFilters, choice: ExportFormat): Promise<string> {
  const format = choice === 'gb18030' ? 'csv' : choice
  const query: Record<string, string | number> = { ...(filterQuery(filters) as Record<string, string | number>), format }
  if (choice === 'gb18030') query.encoding = 'gb18030'
  return download('/api/v1/projects/export', { query, fallbackName: `projects.${format}` })
}

export function createProject(body: ProjectCreate): Promise<Project> {
  return unwrap(api.POST('/api/v1/projects', { body }))
}

export function getProject(id: string): Promise<Project> {
  return unwrap(api.GET('/api/v1/projects/{project_id}', { params: { path: { project_id: id } } }))
}

export function updateProject(project: Project, body: ProjectUpdate): Promise<Project> {
  return unwrap(
    api.PATCH('/api/v1/projects/{project_id}', {
      params: { path: { project_id: project.id }, header: { 'If-Match': ifMatch(project.version) } },
      body,
    }),
  )
}

export function transitionProject(project: Project, body: { to: Stage; reason?: string | null; evidence_ids?: string[] }): Promise<Project> {
  return unwrap(
    api.POST('/api/v1/projects/{project_id}/transitions', {
      params: { path: { project_id: project.id }, header: { 'If-Match': ifMatch(project.version) } },
      body: { to: body.to, reason: body.reason || null, evidence_ids: body.evidence_ids ?? [] },
    }),
  )
}

export async function projectSteps(id: string): Promise<ProjectStep[]> {
  return (await unwrap(api.GET('/api/v1/projects/{project_id}/steps', { params: { path: { project_id: id } } }))).items
}

export async function projectAuditEvents(id: string): Promise<AuditEvent[]> {
  return (await unwrap(api.GET('/api/v1/projects/{project_id}/audit-events', { params: { path: { project_id: id } } }))).items as AuditEvent[]
}

export function projectOverview(region: string | null, year: number | null): Promise<ProjectOverview> {
  return unwrap(api.GET('/api/v1/project-overview', { params: { query: { region: region || undefined, year: year ?? undefined } } }))
}

// targets (绩效目标)

export async function listTargets(projectId: string): Promise<Target[]> {
  return (await unwrap(api.GET('/api/v1/projects/{project_id}/targets', { params: { path: { project_id: projectId } } }))).items
}

export function createTarget(projectId: string, body: TargetIn): Promise<Target> {
  return unwrap(api.POST('/api/v1/projects/{project_id}/targets', { params: { path: { project_id: projectId } }, body }))
}

export function updateTarget(projectId: string, target: Target, body: TargetUpdate): Promise<Target> {
  return unwrap(
    api.PATCH('/api/v1/projects/{project_id}/targets/{target_id}', {
      params: { path: { project_id: projectId, target_id: target.id }, header: { 'If-Match': ifMatch(target.version) } },
      body,
    }),
  )
}

export async function targetUpdates(projectId: string, targetId: string): Promise<TargetActual[]> {
  return (
    await unwrap(
      api.GET('/api/v1/projects/{project_id}/targets/{target_id}/updates', { params: { path: { project_id: projectId, target_id: targetId } } }),
    )
  ).items
}

export function reportActual(projectId: string, targetId: string, body: TargetActualIn): Promise<unknown> {
  return unwrap(
    api.POST('/api/v1/projects/{project_id}/targets/{target_id}/updates', {
      params: { path: { project_id: projectId, target_id: targetId } },
      body,
    }),
  )
}

// milestones (节点)

export async function listMilestones(projectId: string): Promise<Milestone[]> {
  return (await unwrap(api.GET('/api/v1/projects/{project_id}/milestones', { params: { path: { project_id: projectId } } }))).items
}

export function createMilestone(projectId: string, body: MilestoneIn): Promise<Milestone> {
  return unwrap(api.POST('/api/v1/projects/{project_id}/milestones', { params: { path: { project_id: projectId } }, body }))
}

export function updateMilestone(projectId: string, milestone: Milestone, body: MilestoneUpdate): Promise<Milestone> {
  return unwrap(
    api.PATCH('/api/v1/projects/{project_id}/milestones/{milestone_id}', {
      params: { path: { project_id: projectId, milestone_id: milestone.id }, header: { 'If-Match': ifMatch(milestone.version) } },
      body,
    }),
  )
}

// beneficiaries (受益户)

export function listBeneficiaries(projectId: string): Promise<Beneficiaries> {
  return unwrap(api.GET('/api/v1/projects/{project_id}/beneficiaries', { params: { path: { project_id: projectId } } }))
}

export function linkBeneficiaries(projectId: string, householdIds: string[]): Promise<Beneficiaries> {
  return unwrap(
    api.POST('/api/v1/projects/{project_id}/beneficiaries', {
      params: { path: { project_id: projectId } },
      body: { household_ids: householdIds, measure_ids: [] },
    }),
  )
}

export async function unlinkBeneficiary(projectId: string, householdId: string): Promise<void> {
  await unwrap(
    api.DELETE('/api/v1/projects/{project_id}/beneficiaries/{household_id}', {
      params: { path: { project_id: projectId, household_id: householdId } },
    }),
  )
}

/** Households of a region whose number or head's name contains `q` (for linking beneficiaries). */
export async function searchHouseholds(region: string, q: string): Promise<HouseholdRow[]> {
  const page = await unwrap(api.GET('/api/v1/households', { params: { query: { region, q: q || undefined, limit: 20 } } }))
  return page.items
}

// funds (资金), notices (公示公告), anomalies (资金异常)

export async function listAllocations(projectId: string): Promise<Allocation[]> {
  return (await unwrap(api.GET('/api/v1/projects/{project_id}/allocations', { params: { path: { project_id: projectId } } }))).items
}

export function createAllocation(projectId: string, body: AllocationIn): Promise<Allocation> {
  return unwrap(api.POST('/api/v1/projects/{project_id}/allocations', { params: { path: { project_id: projectId } }, body }))
}

export async function listDisbursements(projectId: string): Promise<Disbursement[]> {
  return (await unwrap(api.GET('/api/v1/projects/{project_id}/disbursements', { params: { path: { project_id: projectId } } }))).items
}

/** 报账 (or 冲正 with `corrects_id`); over the source's allocation: 409 `funds.overdraft` with the figures. */
export function createDisbursement(projectId: string, body: DisbursementIn): Promise<Disbursement> {
  return unwrap(api.POST('/api/v1/projects/{project_id}/disbursements', { params: { path: { project_id: projectId } }, body }))
}

export function projectFunds(projectId: string): Promise<FundsSummary> {
  return unwrap(api.GET('/api/v1/projects/{project_id}/funds', { params: { path: { project_id: projectId } } }))
}

export function fundsByCounty(year: number | null, category: string | null): Promise<CountyView> {
  return unwrap(
    api.GET('/api/v1/fund-views/by-county', {
      params: { query: { year: year ?? undefined, category: (category || undefined) as CountyQuery['category'] } },
    }),
  )
}

export interface AnomalyFilters {
  kind?: string | null
  region_code?: string | null
  year?: number | null
}

function anomalyQuery(f: AnomalyFilters): AnomalyQuery {
  const out: Record<string, string | number> = {}
  for (const [k, v] of Object.entries(f)) if (v !== null && v !== undefined && v !== '') out[k] = v as string | number
  return out as AnomalyQuery
}

export function listAnomalies(f: AnomalyFilters, cursor: string | null, limit = 50): Promise<AnomalyPage> {
  return unwrap(api.GET('/api/v1/fund-anomalies', { params: { query: { ...anomalyQuery(f), limit, cursor: cursor ?? undefined } } }))
}

export function exportAnomalies(f: AnomalyFilters, format: 'csv' | 'xlsx'): Promise<string> {
  return download('/api/v1/fund-anomalies/export', { query: { ...(anomalyQuery(f) as Record<string, string | number>), format }, fallbackName: `fund-anomalies.${format}` })
}

export async function listNotices(projectId: string): Promise<Notice[]> {
  return (await unwrap(api.GET('/api/v1/projects/{project_id}/notices', { params: { path: { project_id: projectId } } }))).items
}

export function createNotice(projectId: string, body: NoticeIn): Promise<Notice> {
  return unwrap(api.POST('/api/v1/projects/{project_id}/notices', { params: { path: { project_id: projectId } }, body }))
}

export function updateNotice(projectId: string, notice: Notice, body: NoticeUpdate): Promise<Notice> {
  return unwrap(
    api.PATCH('/api/v1/projects/{project_id}/notices/{notice_id}', {
      params: { path: { project_id: projectId, notice_id: notice.id }, header: { 'If-Match': ifMatch(notice.version) } },
      body,
    }),
  )
}

const noticeDocumentPath = (projectId: string, notice: Notice): string =>
  `/api/v1/projects/${encodeURIComponent(projectId)}/notices/${encodeURIComponent(notice.id)}/document`

/** Saves the notice's document (PDF with the CJK font, or the printable page). */
export function noticeDocument(projectId: string, notice: Notice, format: 'pdf' | 'html'): Promise<string> {
  return download(noticeDocumentPath(projectId, notice), { query: { format }, fallbackName: `notice-${notice.kind}.${format}` })
}

/** The notice's printable page (read with the token) in `target`, a window opened on the click (a window opened
 * after the request could be blocked); without one it is saved as a file. */
export async function openNoticePage(projectId: string, notice: Notice, target: Window | null): Promise<void> {
  if (!target) {
    await noticeDocument(projectId, notice, 'html')
    return
  }
  try {
    const res = await send('GET', noticeDocumentPath(projectId, notice), { query: { format: 'html' }, headers: { Accept: 'text/html' } })
    const url = URL.createObjectURL(new Blob([await res.text()], { type: 'text/html;charset=utf-8' }))
    target.location.href = url
    setTimeout(() => URL.revokeObjectURL(url), 60_000)
  } catch (e) {
    target.close()
    throw e
  }
}

export async function overdueNotices(region: string | null = null): Promise<OverdueNotice[]> {
  return (await unwrap(api.GET('/api/v1/project-notices/overdue', { params: { query: { region_code: region || undefined } } }))).items
}
