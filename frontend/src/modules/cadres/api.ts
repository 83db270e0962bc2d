/** Cadre, assignment, visit and residency endpoints, typed by the generated contract (src/api/schema.d.ts). */
import { api, ifMatch, unwrap } from '@/api/client'
import type { Page } from '@/api/types'
import type { components } from '@/api/schema'

type S = components['schemas']
export type Cadre = S['CadreOut']
export type CadreRow = S['CadreListItem']
export type CadreIn = S['CadreIn']
export type CadreUpdate = S['CadreUpdate']
export type Assignment = S['AssignmentOut']
export type AssignmentIn = S['AssignmentIn']
export type Visit = S['VisitOut']
export type VisitIn = S['VisitIn']
export type ResidencyDay = S['ResidencyOut']
export type ResidencyIn = S['ResidencyIn']
export type ResidencyYear = S['ResidencyYear']

export interface CadreFilters {
  kind?: string | null
  region?: string | null
}

export function listCadres(filters: CadreFilters, cursor: string | null, limit = 30): Promise<Page<CadreRow>> {
  return unwrap(
    api.GET('/api/v1/cadres', {
      params: { query: { limit, cursor: cursor ?? undefined, kind: (filters.kind || undefined) as CadreIn['kind'] | undefined, region: filters.region || undefined } },
    }),
  )
}

export function getCadre(id: string): Promise<Cadre> {
  return unwrap(api.GET('/api/v1/cadres/{cadre_id}', { params: { path: { cadre_id: id } } }))
}

export function createCadre(body: CadreIn): Promise<Cadre> {
  return unwrap(api.POST('/api/v1/cadres', { body }))
}

export function updateCadre(id: string, version: number, body: CadreUpdate): Promise<Cadre> {
  return unwrap(api.PATCH('/api/v1/cadres/{cadre_id}', { params: { path: { cadre_id: id }, header: { 'If-Match': ifMatch(version) } }, body }))
}

export async function listAssignments(cadreId: string): Promise<Assignment[]> {
  const page = await unwrap(api.GET('/api/v1/cadres/{cadre_id}/assignments', { params: { path: { cadre_id: cadreId } } }))
  return page.items
}

export function createAssignment(cadreId: string, body: AssignmentIn): Promise<Assignment> {
  return unwrap(api.POST('/api/v1/cadres/{cadre_id}/assignments', { params: { path: { cadre_id: cadreId } }, body }))
}

export function listVisits(query: { cadre_id?: string; household_id?: string }, cursor: string | null, limit = 20): Promise<Page<Visit>> {
  return unwrap(api.GET('/api/v1/visits', { params: { query: { ...query, limit, cursor: cursor ?? undefined } } }))
}

export function createVisit(body: VisitIn): Promise<Visit> {
  return unwrap(api.POST('/api/v1/visits', { body }))
}

export function residencyYear(cadreId: string, year: number): Promise<ResidencyYear> {
  return unwrap(api.GET('/api/v1/cadres/{cadre_id}/residency', { params: { path: { cadre_id: cadreId }, query: { year } } }))
}

/** Every recorded day of the cadre between two days (a year is two pages at most). */
export async function listResidency(cadreId: string, from: string, to: string): Promise<ResidencyDay[]> {
  const days: ResidencyDay[] = []
  let cursor: string | undefined
  do {
    const page = await unwrap(
      api.GET('/api/v1/residency-days', { params: { query: { cadre_id: cadreId, day_from: from, day_to: to, limit: 200, cursor } } }),
    )
    days.push(...page.items)
    cursor = page.next_cursor ?? undefined
  } while (cursor)
  return days
}

export function recordResidency(body: ResidencyIn): Promise<ResidencyDay> {
  return unwrap(api.POST('/api/v1/residency-days', { body }))
}

/** every household status but 注销 (removed households take no visits or pairings) */
const IN_REGISTER: ('not_exited' | 'exited_with_policy' | 'exited_no_policy' | 'returned')[] = ['not_exited', 'exited_with_policy', 'exited_no_policy', 'returned']

/** Households a visit may be logged to: the cadre's current pairings, or those of the villages it serves. */
export async function householdsOfVillage(village: string): Promise<{ id: string; household_number: string; head_name?: string | null }[]> {
  const page = await unwrap(api.GET('/api/v1/households', { params: { query: { region: village, limit: 200, status: IN_REGISTER } } }))
  return page.items
}

/** The household's paired cadres (current and past) and its village's first secretaries and work team. */
export async function householdCadres(householdId: string): Promise<Assignment[]> {
  const page = await unwrap(api.GET('/api/v1/households/{household_id}/cadres', { params: { path: { household_id: householdId } } }))
  return page.items
}

/** The household's visits, newest first, in keyset pages. */
export function householdVisits(householdId: string, cursor: string | null, limit = 20): Promise<Page<Visit>> {
  return unwrap(
    api.GET('/api/v1/households/{household_id}/visits', {
      params: { path: { household_id: householdId }, query: { limit, cursor: cursor ?? undefined } },
    }),
  )
}
