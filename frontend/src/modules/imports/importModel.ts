/**
 * The import page's pure parts: the options and the form fields they are sent as, which files are accepted,
 * and the job report read into counts and error rows with readable messages.
 */
import { stripEnglish } from '@/api/problem'
import type { operations } from '@/api/schema'

type ImportQuery = NonNullable<operations['imports-create']['parameters']['query']>
export type Entity = NonNullable<ImportQuery['entity']>
export type Strategy = NonNullable<ImportQuery['strategy']>
export type IdScheme = NonNullable<ImportQuery['id_scheme']>
export type Encoding = NonNullable<ImportQuery['encoding']>

export const STRATEGIES: readonly Strategy[] = ['create', 'update', 'create_and_update']
export const ID_SCHEMES: readonly IdScheme[] = ['id', 'external']
export const ENCODINGS: readonly Encoding[] = ['auto', 'utf-8', 'gb18030']

export interface ImportOptions {
  strategy: Strategy
  /** all or nothing (整体导入) instead of record by record (逐条导入) */
  atomic: boolean
  id_scheme: IdScheme
  encoding: Encoding
}

/** The API's defaults. */
export function defaultOptions(): ImportOptions {
  return { strategy: 'create_and_update', atomic: false, id_scheme: 'id', encoding: 'auto' }
}

/** What the page imports: 建档立卡贫困户 (the default) or 督查问题 (an inspection ledger, one row per task). */
export const PAGE_ENTITIES = ['households', 'findings'] as const satisfies readonly Entity[]
export type PageEntity = (typeof PAGE_ENTITIES)[number]

/** The permissions an import of the entity needs (findings: also jobs:read, to follow the job). */
const ENTITY_PERMISSIONS: Record<PageEntity, readonly string[]> = {
  households: ['households:write'],
  findings: ['findings:write', 'jobs:read'],
}

/** The entities the caller may import on the page (which itself needs households:write). */
export function importableEntities(can: (permission: string) => boolean): PageEntity[] {
  if (!can('households:write')) return []
  return PAGE_ENTITIES.filter((e) => ENTITY_PERMISSIONS[e].every(can))
}

/** The entity a route query names, if the page imports it (else the default). */
export function entityOf(query: unknown): PageEntity {
  return PAGE_ENTITIES.find((e) => e === query) ?? 'households'
}

/** Strategy and id scheme apply to households only: findings are created, matched by 外部编号 on a replay. */
export function hasMatchOptions(entity: PageEntity): boolean {
  return entity === 'households'
}

/** The file types the page takes for the entity. */
export function acceptedExtensions(entity: PageEntity): readonly string[] {
  return entity === 'households' ? ACCEPTED_EXTENSIONS : ['.csv', '.xlsx']
}

/** The multipart form fields besides the file, as POST /api/v1/imports reads them. */
export function importFields(options: ImportOptions, dryRun: boolean, entity: PageEntity = 'households'): Record<string, string> {
  if (!hasMatchOptions(entity)) {
    return { entity, atomic: String(options.atomic), dry_run: String(dryRun), encoding: options.encoding }
  }
  return {
    entity,
    strategy: options.strategy,
    atomic: String(options.atomic),
    dry_run: String(dryRun),
    id_scheme: options.id_scheme,
    encoding: options.encoding,
  }
}

export function importFormData(
  file: Blob & { name?: string },
  options: ImportOptions,
  dryRun: boolean,
  entity: PageEntity = 'households',
): FormData {
  const form = new FormData()
  for (const [name, value] of Object.entries(importFields(options, dryRun, entity))) form.append(name, value)
  form.append('file', file, file.name ?? 'import')
  return form
}

export const ACCEPTED_EXTENSIONS = ['.csv', '.xlsx', '.json', '.ndjson'] as const
export type FileFormat = 'csv' | 'xlsx' | 'json' | 'ndjson'

/** The format a file name says, or null for a file the page does not accept (for the entity). */
export function fileFormat(name: string, entity: PageEntity = 'households'): FileFormat | null {
  const m = /\.([a-z]+)$/i.exec(name.trim())
  const ext = m ? m[1].toLowerCase() : ''
  const known = ext === 'csv' || ext === 'xlsx' || ext === 'json' || ext === 'ndjson' ? ext : null
  return known && acceptedExtensions(entity).includes(`.${known}`) ? known : null
}

/** The encoding option matters for CSV only (XLSX and JSON carry their own). */
export function encodingApplies(name: string | null | undefined): boolean {
  return !name || fileFormat(name) === 'csv'
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

/** One refused row of an import report. */
export interface ImportRowError {
  row: number | null
  pointer?: string | null
  column?: string | null
  code: string
  message?: string | null
  external_id?: string | null
}

/** The report of an import job (job.report of kind import.households; docs/integration/imports.md). */
export interface ImportReport {
  created: number
  updated: number
  unchanged: number
  failed: number
  queued: number
  warnings: string[]
  errors: ImportRowError[]
  dry_run: boolean
  atomic: boolean
  /** rows read from the file */
  rows: number | null
  /** the report lists the first errors only (the XLSX error report has them all) */
  errors_truncated: boolean
  /** an atomic import with an error wrote nothing */
  rolled_back: boolean
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0)
const str = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v))

function warningText(w: unknown): string {
  if (typeof w === 'string') return w
  if (w && typeof w === 'object') {
    const o = w as Record<string, unknown>
    return String(o.message ?? o.detail ?? o.code ?? JSON.stringify(w))
  }
  return String(w)
}

/** The report of a job read defensively (a job still running has none: null). */
export function readReport(report: Record<string, unknown> | null | undefined): ImportReport | null {
  if (!report || typeof report !== 'object') return null
  const errors = Array.isArray(report.errors) ? report.errors : []
  return {
    created: num(report.created),
    updated: num(report.updated),
    unchanged: num(report.unchanged),
    failed: num(report.failed),
    queued: num(report.queued),
    warnings: Array.isArray(report.warnings) ? report.warnings.map(warningText) : [],
    errors: errors
      .filter((e): e is Record<string, unknown> => !!e && typeof e === 'object')
      .map((e) => ({
        row: typeof e.row === 'number' ? e.row : e.row === null || e.row === undefined ? null : Number(e.row),
        pointer: str(e.pointer),
        column: str(e.column),
        code: String(e.code ?? ''),
        message: str(e.message),
        external_id: str(e.external_id),
      })),
    dry_run: report.dry_run === true,
    atomic: report.atomic === true,
    rows: typeof report.rows === 'number' ? report.rows : null,
    errors_truncated: report.errors_truncated === true,
    rolled_back: report.rolled_back === true,
  }
}

/** The counts the report shows, in order, with their i18n keys. */
export const COUNT_KEYS = ['created', 'updated', 'unchanged', 'failed', 'queued'] as const
export type CountKey = (typeof COUNT_KEYS)[number]

export function counts(report: ImportReport): { key: CountKey; labelKey: string; value: number }[] {
  return COUNT_KEYS.map((key) => ({ key, labelKey: `imports.counts.${key}`, value: report[key] }))
}

/** A row of the error table as shown. */
export interface ErrorRowView {
  row: string
  column: string
  code: string
  message: string
  externalId: string
}

export interface Translator {
  t: (key: string) => string
  te: (key: string) => boolean
}

function hasHan(s: string | null | undefined): boolean {
  return !!s && /[\u4e00-\u9fff]/.test(s)
}

/** "/members/0/id_number" → "members/0/id_number" (the cell is named by its column when the file has one). */
function pointerText(pointer: string | null | undefined): string {
  return pointer ? pointer.replace(/^#?\//, '') : ''
}

/**
 * The message of an error in the UI language. In Chinese the server's own message (it names the value and the
 * column) without its English gloss, else the app's text for the code; in English the app's text for the code,
 * else the server's English gloss, else its message as it is.
 */
export function errorMessage(e: Pick<ImportRowError, 'code' | 'message'>, tr: Translator, chinese = true): string {
  const code = e.code
  const known = code && /^[a-z0-9_.]+$/i.test(code) && tr.te(`errors.codes.${code}`) ? tr.t(`errors.codes.${code}`) : null
  const message = e.message ?? ''
  if (chinese) {
    if (hasHan(message)) return stripEnglish(message)
    return known ?? (message || code || '—')
  }
  if (known) return known
  const gloss = /\(([^()\u4e00-\u9fff]+)\)\s*$/.exec(message)
  if (gloss && hasHan(message)) return gloss[1]
  return message || code || '—'
}

export function errorRow(e: ImportRowError, tr: Translator, chinese = true): ErrorRowView {
  return {
    row: e.row === null || e.row === undefined || Number.isNaN(e.row) ? '—' : String(e.row),
    column: e.column || pointerText(e.pointer) || '—',
    code: e.code || '—',
    message: errorMessage(e, tr, chinese),
    externalId: e.external_id || '—',
  }
}

/** Whether the report has offending rows worth downloading as XLSX. */
export function hasErrorRows(report: ImportReport | null): boolean {
  return !!report && (report.failed > 0 || report.errors.length > 0)
}

/** What an atomic run with errors means: nothing was written. */
export function nothingWritten(report: ImportReport): boolean {
  return report.dry_run || report.rolled_back || (report.atomic && hasErrorRows(report))
}
