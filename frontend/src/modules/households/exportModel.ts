/** The export button's pure parts: the four file kinds offered, and the query or job body built from the list's query. */
import { apiPath, type Query } from '@/api/http'
import type { ApiError } from '@/api/problem'
import type { components } from '@/api/schema'

type ExportCreate = components['schemas']['ExportCreate']
export type ExportFormat = ExportCreate['format']
export type ExportEncoding = NonNullable<ExportCreate['encoding']>

export const EXPORT_CHOICES = ['csv-utf8', 'csv-gb18030', 'xlsx', 'ndjson'] as const
export type ExportChoice = (typeof EXPORT_CHOICES)[number]

/** The format and (for CSV) the encoding of a choice. */
export function exportFormat(choice: ExportChoice): { format: ExportFormat; encoding?: ExportEncoding } {
  switch (choice) {
    case 'csv-utf8':
      return { format: 'csv', encoding: 'utf-8' }
    case 'csv-gb18030':
      return { format: 'csv', encoding: 'gb18030' }
    default:
      return { format: choice }
  }
}

/** The list's parameters that are not filters: an export has every row, in household-number order. */
const LIST_ONLY = new Set(['sort', 'cursor', 'limit', 'include_total'])

/** The filters of the list's query (empty ones and the list-only parameters left out). */
export function exportFilters(listQuery: Query): Record<string, Exclude<Query[string], null | undefined>> {
  const filters: Record<string, Exclude<Query[string], null | undefined>> = {}
  for (const [k, v] of Object.entries(listQuery)) {
    if (LIST_ONLY.has(k) || v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) continue
    filters[k] = v
  }
  return filters
}

/** The list's filters (as the list sends them) plus the format: GET /api/v1/households/export's query. */
export function exportQuery(listQuery: Query, choice: ExportChoice): Query {
  return { ...exportFilters(listQuery), ...exportFormat(choice) }
}

export const EXPORT_PATH = '/api/v1/households/export'

export function exportUrl(listQuery: Query, choice: ExportChoice): string {
  return apiPath(EXPORT_PATH, exportQuery(listQuery, choice))
}

/** The body of POST /api/v1/exports: the same filters, as the list's query parameters. */
export function exportJobBody(listQuery: Query, choice: ExportChoice): ExportCreate & { filters: NonNullable<ExportCreate['filters']> } {
  return { entity: 'households', ...exportFormat(choice), filters: exportFilters(listQuery) as NonNullable<ExportCreate['filters']> }
}

/** The list is too large to stream: the API asks for an export job instead. */
export function isTooLarge(error: Pick<ApiError, 'status' | 'code'>): boolean {
  return error.status === 413 && (error.code === 'export.too_large' || error.code === '')
}
