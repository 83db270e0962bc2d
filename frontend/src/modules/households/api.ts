/** Household endpoints used by the pages, typed by the generated contract (src/api/schema.d.ts). */
import { api, ifMatch, unwrap, unwrapWithEtag } from '@/api/client'
import { download } from '@/api/http'
import type { Job } from '@/modules/jobs/jobState'
import { exportJobBody, exportQuery, type ExportChoice } from './exportModel'
import type {
  Assessment,
  AuditEvent,
  ExitEvaluation,
  Household,
  HouseholdCreate,
  HouseholdRow,
  HouseholdUpdate,
  Income,
  Member,
  MemberAdd,
  MemberUpdate,
  Page,
  PendingChange,
  PovertyLine,
  StatusChange,
} from '@/api/types'
import type { components, operations } from '@/api/schema'

type S = components['schemas']
type ListQuery = NonNullable<operations['households-list']['parameters']['query']>
type RemoveQuery = operations['members-remove']['parameters']['query']
type Sort = 'household_number' | '-household_number' | 'updated_at' | '-updated_at'

export interface HouseholdFilters {
  region?: string | null
  status?: string | null
  attribute?: string | null
  main_cause?: string | null
  identified_year?: number | null
  exit_year?: number | null
  q?: string | null
  member_health?: string | null
  member_labour?: string | null
  sort?: string | null
}

function clean<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {}
  for (const [k, v] of Object.entries(o)) {
    if (v !== null && v !== undefined && v !== '') (out as Record<string, unknown>)[k] = v
  }
  return out
}

/** The filter part of the list's query, exactly as the list sends it (also used by the export). */
export function listQuery(filters: HouseholdFilters): Omit<ListQuery, 'limit' | 'cursor' | 'include_total'> {
  const f = clean({ ...filters, q: filters.q?.trim() || null })
  return {
    ...(f as Omit<ListQuery, 'status'>),
    status: f.status ? ([f.status] as ListQuery['status']) : undefined,
    sort: (f.sort as Sort | undefined) ?? undefined,
  }
}

export function listHouseholds(filters: HouseholdFilters, cursor: string | null, limit = 50): Promise<Page<HouseholdRow>> {
  return unwrap(
    api.GET('/api/v1/households', {
      params: {
        query: {
          ...listQuery(filters),
          limit,
          cursor: cursor ?? undefined,
          include_total: cursor === null ? true : undefined,
        },
      },
    }),
  )
}

export function getHousehold(id: string): Promise<{ data: Household; etag: string | null }> {
  return unwrapWithEtag(api.GET('/api/v1/households/{household_id}', { params: { path: { household_id: id } } }))
}

export function createHousehold(body: HouseholdCreate): Promise<Household> {
  return unwrap(api.POST('/api/v1/households', { body }))
}

/** A household write; `pending_change` when its locked part waits for the adjustment window (年度调整, 202). */
export type HouseholdWrite = Household & { pending_change?: PendingChange }

/** 202 `{pending_change}`: the other fields were applied; the household is read again as it is now. */
async function settled(id: string, result: Household | { pending_change: PendingChange }): Promise<HouseholdWrite> {
  if (!('pending_change' in result)) return result
  const { data } = await getHousehold(id)
  return { ...data, pending_change: result.pending_change }
}

export async function updateHousehold(id: string, version: number, body: HouseholdUpdate): Promise<HouseholdWrite> {
  const result = await unwrap(
    api.PATCH('/api/v1/households/{household_id}', {
      params: { path: { household_id: id }, header: { 'If-Match': ifMatch(version) } },
      body,
    }),
  )
  return settled(id, result)
}

export function addMember(id: string, body: MemberAdd): Promise<Member> {
  return unwrap(api.POST('/api/v1/households/{household_id}/members', { params: { path: { household_id: id } }, body }))
}

export function updateMember(id: string, member: Member, body: MemberUpdate): Promise<Member> {
  return unwrap(
    api.PATCH('/api/v1/households/{household_id}/members/{member_id}', {
      params: { path: { household_id: id, member_id: member.id }, header: { 'If-Match': ifMatch(member.version) } },
      body,
    }),
  )
}

export function removeMember(
  id: string,
  member: Member,
  query: { reason: string; new_head_member_id?: string | null; note?: string | null },
): Promise<unknown> {
  return unwrap(
    api.DELETE('/api/v1/households/{household_id}/members/{member_id}', {
      params: {
        path: { household_id: id, member_id: member.id },
        query: clean(query) as RemoveQuery,
        header: { 'If-Match': ifMatch(member.version) },
      },
    }),
  )
}

export function changeHead(id: string, memberId: string, version: number): Promise<Household> {
  return unwrap(
    api.POST('/api/v1/households/{household_id}/head', {
      params: { path: { household_id: id }, header: { 'If-Match': ifMatch(version) } },
      body: { member_id: memberId } as S['HeadChange'],
    }),
  )
}

export async function listIncomes(id: string): Promise<Income[]> {
  return (await unwrap(api.GET('/api/v1/households/{household_id}/incomes', { params: { path: { household_id: id } } }))).items
}

export function putIncome(id: string, year: number, body: S['IncomeIn'], version?: number): Promise<Income> {
  return unwrap(
    api.PUT('/api/v1/households/{household_id}/incomes/{year}', {
      params: { path: { household_id: id, year }, header: version !== undefined ? { 'If-Match': ifMatch(version) } : {} },
      body,
    }),
  )
}

export async function listAssessments(id: string): Promise<Assessment[]> {
  return (await unwrap(api.GET('/api/v1/households/{household_id}/assessments', { params: { path: { household_id: id } } }))).items
}

export function putAssessment(id: string, year: number, body: S['AssessmentIn'], version?: number): Promise<Assessment> {
  return unwrap(
    api.PUT('/api/v1/households/{household_id}/assessments/{year}', {
      params: { path: { household_id: id, year }, header: version !== undefined ? { 'If-Match': ifMatch(version) } : {} },
      body,
    }),
  )
}

export function evaluateExit(id: string, year: number): Promise<ExitEvaluation> {
  return unwrap(api.POST('/api/v1/households/{household_id}/exit-evaluation', { params: { path: { household_id: id } }, body: { year } }))
}

export async function transitionStatus(id: string, body: { to_status: string; reason: string; year?: number | null }, version: number): Promise<HouseholdWrite> {
  const result = await unwrap(
    api.POST('/api/v1/households/{household_id}/status-transitions', {
      params: { path: { household_id: id }, header: { 'If-Match': ifMatch(version) } },
      body: clean(body) as S['StatusTransitionIn'],
    }),
  )
  return settled(id, result)
}

export async function statusHistory(id: string): Promise<StatusChange[]> {
  return (await unwrap(api.GET('/api/v1/households/{household_id}/status-history', { params: { path: { household_id: id } } }))).items
}

export async function auditEvents(id: string): Promise<AuditEvent[]> {
  return (
    await unwrap(api.GET('/api/v1/households/{household_id}/audit-events', { params: { path: { household_id: id }, query: { limit: 200 } } }))
  ).items
}

export async function povertyLines(): Promise<PovertyLine[]> {
  return (await unwrap(api.GET('/api/v1/poverty-lines', {}))).items
}

/** Downloads the list (its current filters) as a file; a list over the direct limit answers 413 export.too_large. */
export function exportHouseholds(filters: HouseholdFilters, choice: ExportChoice): Promise<string> {
  return download('/api/v1/households/export', { query: exportQuery(listQuery(filters), choice), fallbackName: `households.${choice === 'xlsx' ? 'xlsx' : choice === 'ndjson' ? 'ndjson' : 'csv'}` })
}

/** Runs the export as a job (for a list too large to stream directly); 202 with the queued job. */
export function startExportJob(filters: HouseholdFilters, choice: ExportChoice): Promise<Job> {
  return unwrap(api.POST('/api/v1/exports', { body: exportJobBody(listQuery(filters), choice) }))
}
