/** The failure views (帮扶短板), typed by the generated contract (src/api/schema.d.ts). */
import { api, unwrap } from '@/api/client'
import { download } from '@/api/http'
import type { components } from '@/api/schema'

type S = components['schemas']
export type ViewName =
  | 'households-without-measures'
  | 'households-not-visited'
  | 'households-never-visited-by-first-secretary'
  | 'residency-shortfall'
  | 'measures-overdue'
  | 'measure-coverage'
  | 'department-workload'

export const VIEW_NAMES: readonly ViewName[] = [
  'households-without-measures',
  'households-not-visited',
  'households-never-visited-by-first-secretary',
  'residency-shortfall',
  'measures-overdue',
  'measure-coverage',
  'department-workload',
]

/** The permission each view needs besides measures:read (the page's own). */
export const VIEW_PERMISSION: Record<ViewName, string> = {
  'households-without-measures': 'measures:read',
  'households-not-visited': 'cadres:read',
  'households-never-visited-by-first-secretary': 'cadres:read',
  'residency-shortfall': 'cadres:read',
  'measures-overdue': 'measures:read',
  'measure-coverage': 'measures:read',
  'department-workload': 'measures:read',
}

/** Which filters each view takes (besides the region). */
export const VIEW_FILTERS: Record<ViewName, readonly ('year' | 'days' | 'kind' | 'type' | 'department')[]> = {
  'households-without-measures': ['year'],
  'households-not-visited': ['days'],
  'households-never-visited-by-first-secretary': [],
  'residency-shortfall': ['year', 'kind'],
  'measures-overdue': ['type', 'department', 'year'],
  'measure-coverage': ['year'],
  'department-workload': ['year'],
}

export type ViewRow = S['ViewHousehold'] &
  Partial<S['NotVisitedRow']> &
  Partial<S['NeverVisitedRow']> &
  Partial<S['ResidencyRow']> &
  Partial<S['OverdueRow']> &
  Partial<S['CoverageRow']> &
  Partial<S['WorkloadRow']> &
  Record<string, unknown>

export interface ViewFilters {
  region?: string | null
  year?: number | null
  days?: number | null
  kind?: string | null
  type?: string | null
  department?: string | null
}

export interface ViewPage {
  items: ViewRow[]
  next_cursor: string | null
  total: number | null
}

function query(name: ViewName, filters: ViewFilters): Record<string, string | number> {
  const out: Record<string, string | number> = {}
  const allowed = new Set<string>(['region', ...VIEW_FILTERS[name]])
  for (const [k, v] of Object.entries(filters)) if (allowed.has(k) && v !== null && v !== undefined && v !== '') out[k] = v
  return out
}

/** One page of a view; the first page also counts every row (`total`). The per-village and per-department views
 *  answer in one page. */
export async function viewPage(name: ViewName, filters: ViewFilters, cursor: string | null): Promise<ViewPage> {
  const q: Record<string, string | number | boolean> = query(name, filters)
  if (name === 'measure-coverage') q.limit = 1000
  else if (name !== 'department-workload') {
    q.limit = 50
    if (cursor) q.cursor = cursor
    else q.include_total = true
  }
  // the path is one of the seven view operations of the contract
  const path = `/api/v1/views/${name}` as '/api/v1/views/households-without-measures'
  const page = (await unwrap(api.GET(path, { params: { query: q as never } }))) as unknown as {
    items: ViewRow[]
    next_cursor?: string | null
    total?: number | null
  }
  return { items: page.items, next_cursor: page.next_cursor ?? null, total: page.total ?? page.items.length }
}

/** Downloads the view with its filters as XLSX. */
export function exportView(name: ViewName, filters: ViewFilters): Promise<string> {
  return download(`/api/v1/views/${name}/export`, { query: { ...query(name, filters), format: 'xlsx' }, fallbackName: `${name}.xlsx` })
}
