/** Household endpoints used by the pages (typed by the generated contract). */
import { api, ifMatch, unwrap, unwrapWithEtag } from '@/api/client'
import type {
  Assessment,
  AuditEvent,
  ExitEvaluation,
  Household,
  HouseholdFields,
  HouseholdRow,
  Income,
  Member,
  MemberFields,
  Page,
  PovertyLine,
  StatusChange,
} from '@/api/types'

type Res<T> = Promise<{ data?: T; error?: unknown; response: Response }>
// The generated `paths` type checks paths and parameters; results are narrowed to the page types here.
const GET = api.GET as unknown as <T>(path: string, init?: object) => Res<T>
const POST = api.POST as unknown as <T>(path: string, init?: object) => Res<T>
const PUT = api.PUT as unknown as <T>(path: string, init?: object) => Res<T>
const PATCH = api.PATCH as unknown as <T>(path: string, init?: object) => Res<T>
const DELETE = api.DELETE as unknown as <T>(path: string, init?: object) => Res<T>

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

export function listHouseholds(filters: HouseholdFilters, cursor: string | null, limit = 50): Promise<Page<HouseholdRow>> {
  const query = clean({ ...filters, limit, cursor, include_total: cursor === null ? true : undefined })
  return unwrap(GET<Page<HouseholdRow>>('/households', { params: { query } }))
}

export function getHousehold(id: string) {
  return unwrapWithEtag(GET<Household>('/households/{household_id}', { params: { path: { household_id: id } } }))
}

export function createHousehold(body: HouseholdFields & { village_code: string; members: MemberFields[] }): Promise<Household> {
  return unwrap(POST<Household>('/households', { body }))
}

export function updateHousehold(id: string, version: number, body: Partial<HouseholdFields> & { village_code?: string }): Promise<Household> {
  return unwrap(
    PATCH<Household>('/households/{household_id}', {
      params: { path: { household_id: id }, header: { 'If-Match': ifMatch(version) } },
      headers: { 'If-Match': ifMatch(version) },
      body,
    }),
  )
}

export function addMember(id: string, body: MemberFields & { reason: string; changed_on?: string | null }): Promise<Member> {
  return unwrap(POST<Member>('/households/{household_id}/members', { params: { path: { household_id: id } }, body }))
}

export function updateMember(id: string, member: Member, body: Partial<MemberFields>): Promise<Member> {
  return unwrap(
    PATCH<Member>('/households/{household_id}/members/{member_id}', {
      params: { path: { household_id: id, member_id: member.id } },
      headers: { 'If-Match': ifMatch(member.version) },
      body,
    }),
  )
}

export function removeMember(
  id: string,
  memberId: string,
  query: { reason: string; new_head_member_id?: string | null; note?: string | null },
): Promise<void> {
  return unwrap(
    DELETE<void>('/households/{household_id}/members/{member_id}', {
      params: { path: { household_id: id, member_id: memberId }, query: clean(query) },
    }),
  )
}

export function changeHead(id: string, memberId: string, previousHeadRelation?: string): Promise<Household> {
  return unwrap(
    POST<Household>('/households/{household_id}/head', {
      params: { path: { household_id: id } },
      body: clean({ member_id: memberId, previous_head_relation: previousHeadRelation }),
    }),
  )
}

export async function listIncomes(id: string): Promise<Income[]> {
  return (await unwrap(GET<{ items: Income[] }>('/households/{household_id}/incomes', { params: { path: { household_id: id } } }))).items
}

export function putIncome(id: string, year: number, body: Record<string, string>, version?: number): Promise<Income> {
  return unwrap(
    PUT<Income>('/households/{household_id}/incomes/{year}', {
      params: { path: { household_id: id, year } },
      headers: version !== undefined ? { 'If-Match': ifMatch(version) } : {},
      body,
    }),
  )
}

export async function listAssessments(id: string): Promise<Assessment[]> {
  return (await unwrap(GET<{ items: Assessment[] }>('/households/{household_id}/assessments', { params: { path: { household_id: id } } })))
    .items
}

export function putAssessment(id: string, year: number, body: object, version?: number): Promise<Assessment> {
  return unwrap(
    PUT<Assessment>('/households/{household_id}/assessments/{year}', {
      params: { path: { household_id: id, year } },
      headers: version !== undefined ? { 'If-Match': ifMatch(version) } : {},
      body,
    }),
  )
}

export function evaluateExit(id: string, year: number): Promise<ExitEvaluation> {
  return unwrap(POST<ExitEvaluation>('/households/{household_id}/exit-evaluation', { params: { path: { household_id: id } }, body: { year } }))
}

export function transitionStatus(id: string, body: { to_status: string; reason: string; year?: number | null }, version: number): Promise<Household> {
  return unwrap(
    POST<Household>('/households/{household_id}/status-transitions', {
      params: { path: { household_id: id } },
      headers: { 'If-Match': ifMatch(version) },
      body: clean(body),
    }),
  )
}

export async function statusHistory(id: string): Promise<StatusChange[]> {
  return (await unwrap(GET<{ items: StatusChange[] }>('/households/{household_id}/status-history', { params: { path: { household_id: id } } })))
    .items
}

export async function auditEvents(id: string): Promise<AuditEvent[]> {
  return (
    await unwrap(
      GET<{ items: AuditEvent[] }>('/households/{household_id}/audit-events', { params: { path: { household_id: id }, query: { limit: 200 } } }),
    )
  ).items
}

export async function povertyLines(): Promise<PovertyLine[]> {
  return (await unwrap(GET<{ items: PovertyLine[] }>('/poverty-lines'))).items
}
