/** What the jobs page shows of a job: state tags, progress, rate, report lines, who may cancel. Pure functions. */
import type { components } from '@/api/schema'

type S = components['schemas']
export type Job = S['JobOut']
export type JobState = Job['state']
export type Progress = S['Progress']

export const JOB_STATES: readonly JobState[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled']

export type TagType = 'info' | 'primary' | 'success' | 'danger' | 'warning'

/** The el-tag type of a state. */
export function stateTagType(state: string): TagType {
  switch (state) {
    case 'running':
      return 'primary'
    case 'succeeded':
      return 'success'
    case 'failed':
      return 'danger'
    case 'cancelled':
      return 'warning'
    default:
      return 'info'
  }
}

/** i18n key of a state's label ("jobs.states.succeeded" → 已完成). */
export function stateLabelKey(state: string): string {
  return `jobs.states.${state}`
}

/** i18n key of a kind's label ("stats.rebuild" → "jobs.kinds.stats.rebuild"); the page falls back to the raw kind. */
export function kindLabelKey(kind: string): string {
  return `jobs.kinds.${kind}`
}

/** Queued or running: the job may still change (the page polls while one is shown). */
export function isActive(job: Pick<Job, 'state'>): boolean {
  return job.state === 'queued' || job.state === 'running'
}

export function anyActive(jobs: readonly Pick<Job, 'state'>[]): boolean {
  return jobs.some(isActive)
}

/** Percent done (0–100), or null while the total is unknown (an indeterminate bar). A succeeded job is 100. */
export function progressPercent(job: Pick<Job, 'state' | 'progress'>): number | null {
  if (job.state === 'succeeded') return 100
  const { done, total } = job.progress
  if (total === null || total === undefined || total <= 0) return null
  return Math.max(0, Math.min(100, Math.floor((done / total) * 100)))
}

function grouped(n: number): string {
  return n.toLocaleString('zh-CN')
}

/** "12 / 50", or "12 / ?" while the total is unknown. */
export function progressText(p: Progress): string {
  const total = p.total === null || p.total === undefined ? '?' : grouped(p.total)
  return `${grouped(p.done)} / ${total}`
}

/** Units per second for display: "—" when unknown, one decimal below 10, whole numbers (grouped) above. */
export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate) || rate < 0) return '—'
  if (rate === 0) return '0'
  if (rate < 0.1) return '<0.1'
  if (rate < 10) return rate.toFixed(1)
  return grouped(Math.round(rate))
}

/** The signed-in caller as far as cancelling is concerned (GET /me). */
export interface Caller {
  id: string
  kind: string
  permissions: readonly string[]
}

export function ownsJob(job: Pick<Job, 'owner'>, caller: Caller | null | undefined): boolean {
  return !!caller && job.owner.id !== null && job.owner.type === caller.kind && job.owner.id === caller.id
}

/** The cancel button is shown for a queued or running job not already being cancelled, to its owner or a jobs manager. */
export function canCancel(job: Pick<Job, 'state' | 'owner' | 'cancel_requested'>, caller: Caller | null | undefined): boolean {
  if (!caller || !isActive(job) || job.cancel_requested) return false
  return caller.permissions.includes('jobs:manage') || ownsJob(job, caller)
}

/** The figures a report names, known ones first in a fixed order with their i18n key, then any others by name. */
export interface ReportLine {
  name: string
  /** i18n key of the label, or null for a figure the page does not know */
  labelKey: string | null
  value: string
}

const KNOWN_REPORT: readonly string[] = [
  'villages',
  'villages_with_households',
  'households',
  'people',
  // imports
  'created',
  'updated',
  'unchanged',
  'failed',
  'queued',
  'rows',
  'errors',
  'warnings',
  'errors_truncated',
  'dry_run',
  'atomic',
  'rolled_back',
  'strategy',
  'id_scheme',
  'filename',
  // exports (and the file format of either)
  'format',
  'encoding',
  'bytes',
  'pii_masked',
  'snapshots',
  'changes_position',
]

function reportValue(v: unknown): string {
  if (v === null || v === undefined) return '—'
  if (typeof v === 'number') return grouped(v)
  if (typeof v === 'string' || typeof v === 'boolean') return String(v)
  // lists (an import's row errors) are counted: the page that owns the job shows them
  if (Array.isArray(v)) return grouped(v.length)
  return JSON.stringify(v)
}

export function reportLines(report: Record<string, unknown> | null | undefined): ReportLine[] {
  if (!report) return []
  const names = Object.keys(report)
  const known = KNOWN_REPORT.filter((n) => names.includes(n))
  const other = names.filter((n) => !KNOWN_REPORT.includes(n)).sort()
  return [
    ...known.map((name) => ({ name, labelKey: `jobs.report.${name}`, value: reportValue(report[name]) })),
    ...other.map((name) => ({ name, labelKey: null, value: reportValue(report[name]) })),
  ]
}

/** The download path of the file a job produced (an export's report.file), or null. */
export function reportFile(report: Record<string, unknown> | null | undefined): string | null {
  const file = report?.file
  return typeof file === 'string' && file.startsWith('/api/') ? file : null
}

/** The page that shows a job's own result (an import's report with its row errors), if there is one. */
export function resultPage(job: Pick<Job, 'kind' | 'id'>): { name: string; query: Record<string, string> } | null {
  if (!job.kind.startsWith('import.')) return null
  // the import page shows findings imports with their own title and options
  return { name: 'imports', query: job.kind === 'import.findings' ? { entity: 'findings', job: job.id } : { job: job.id } }
}

/** Replaces the jobs that came back fresher (by id), keeping the list's order. */
export function mergeJobs(list: readonly Job[], fresh: readonly Job[]): Job[] {
  if (!fresh.length) return list as Job[]
  const byId = new Map(fresh.map((j) => [j.id, j]))
  return list.map((j) => byId.get(j.id) ?? j)
}
