/** Measure (帮扶措施) and department endpoints, typed by the generated contract (src/api/schema.d.ts). */
import { api, ifMatch, unwrap } from '@/api/client'
import { download } from '@/api/http'
import type { Page } from '@/api/types'
import type { components, operations } from '@/api/schema'

type S = components['schemas']
export type Measure = S['MeasureOut']
export type MeasureCreate = S['MeasureCreate']
export type MeasureUpdate = S['MeasureUpdate']
export type Department = S['DepartmentOut']
type ListQuery = NonNullable<operations['measures-list']['parameters']['query']>

export interface MeasureFilters {
  region?: string | null
  type?: string | null
  department?: string | null
  status?: string | null
  year?: number | null
  planned_from?: string | null
  planned_to?: string | null
  household_id?: string | null
}

export type ExportFormat = 'csv' | 'gb18030' | 'xlsx' | 'ndjson'

/** The filters given (empty ones left out), as the list and the export send them. */
export function filterQuery(filters: MeasureFilters): Omit<ListQuery, 'limit' | 'cursor' | 'include_total'> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(filters)) if (v !== null && v !== undefined && v !== '') out[k] = v
  return out as Omit<ListQuery, 'limit' | 'cursor' | 'include_total'>
}

export function listMeasures(filters: MeasureFilters, cursor: string | null, limit = 50): Promise<Page<Measure>> {
  return unwrap(
    api.GET('/api/v1/measures', {
      params: { query: { ...filterQuery(filters), limit, cursor: cursor ?? undefined, include_total: cursor === null ? true : undefined } },
    }),
  )
}

export async function countMeasures(filters: MeasureFilters): Promise<number> {
  const page = await unwrap(api.GET('/api/v1/measures', { params: { query: { ...filterQuery(filters), limit: 1, include_total: true } } }))
  return page.total ?? 0
}

export async function householdMeasures(householdId: string): Promise<Measure[]> {
  const out: Measure[] = []
  let cursor: string | undefined
  for (let i = 0; i < 10; i++) {
    const page = await unwrap(
      api.GET('/api/v1/households/{household_id}/measures', { params: { path: { household_id: householdId }, query: { limit: 200, cursor } } }),
    )
    out.push(...page.items)
    if (!page.next_cursor) break
    cursor = page.next_cursor
  }
  return out
}

export function createMeasure(body: MeasureCreate): Promise<Measure> {
  return unwrap(api.POST('/api/v1/measures', { body }))
}

export function updateMeasure(measure: Measure, body: MeasureUpdate): Promise<Measure> {
  return unwrap(
    api.PATCH('/api/v1/measures/{measure_id}', {
      params: { path: { measure_id: measure.id }, header: { 'If-Match': ifMatch(measure.version) } },
      body,
    }),
  )
}

export function transitionMeasure(
  measure: Measure,
  body: { to: 'in_progress' | 'done' | 'cancelled'; reason?: string; done_on?: string },
): Promise<Measure> {
  return unwrap(
    api.POST('/api/v1/measures/{measure_id}/transitions', {
      params: { path: { measure_id: measure.id }, header: { 'If-Match': ifMatch(measure.version) } },
      body,
    }),
  )
}

export async function listDepartments(): Promise<Department[]> {
  return (await unwrap(api.GET('/api/v1/departments', {}))).items
}

/** Downloads the measures of the filters as a file; over the direct limit the server answers 413 export.too_large. */
export function exportMeasures(filters: MeasureFilters, choice: ExportFormat): Promise<string> {
  const format = choice === 'gb18030' ? 'csv' : choice
  const query: Record<string, string | number> = { ...(filterQuery(filters) as Record<string, string | number>), format }
  if (choice === 'gb18030') query.encoding = 'gb18030'
  return download('/api/v1/measures/export', { query, fallbackName: `measures.${format}` })
}
