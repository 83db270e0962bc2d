/** Pure helpers of the project pages: health colours, stage moves per permission, money sums, Gantt rows, figures
 * of a refused disbursement. */
import type { ApiError } from '@/api/problem'

export type Health = 'on_track' | 'at_risk' | 'overdue'

/** on_track green, at_risk amber, overdue red (tag type and chart colour). */
export const HEALTH_STYLE: Record<Health, { tag: 'success' | 'warning' | 'danger'; colour: string }> = {
  on_track: { tag: 'success', colour: '#27ae60' },
  at_risk: { tag: 'warning', colour: '#e6a23c' },
  overdue: { tag: 'danger', colour: '#c0392b' },
}

export function healthStyle(health: string | null | undefined): { tag: 'success' | 'warning' | 'danger' | 'info'; colour: string } {
  return HEALTH_STYLE[health as Health] ?? { tag: 'info', colour: '#8a919f' }
}

// the library's moves (backend projects/workflow.py) and who may make each (authz/policy.py PROJECT_STEPS)
export const MOVES: Record<string, readonly string[]> = {
  declared: ['reviewed', 'removed'],
  reviewed: ['approved', 'removed'],
  approved: ['in_library', 'removed'],
  in_library: ['implementing', 'removed'],
  implementing: ['accepted'],
  accepted: ['completed'],
  completed: [],
  removed: [],
}
export const STEP_RULES: Record<string, { permission: string; deepest: number }> = {
  reviewed: { permission: 'projects:review', deepest: 4 },
  approved: { permission: 'projects:approve', deepest: 3 },
  in_library: { permission: 'projects:approve', deepest: 3 },
  implementing: { permission: 'projects:write', deepest: 5 },
  accepted: { permission: 'projects:approve', deepest: 3 },
  completed: { permission: 'projects:write', deepest: 5 },
  removed: { permission: 'projects:approve', deepest: 3 },
}

/** The stages a user may move a project of `stage` to: permitted and at a level at least as high as the step asks
 * (`level` is the user's area level: 2 city, 3 county, 4 township, 5 village; null = whole system). */
export function stageActions(stage: string, permissions: readonly string[], level: number | null): string[] {
  return (MOVES[stage] ?? []).filter((to) => {
    const rule = STEP_RULES[to]
    return !!rule && permissions.includes(rule.permission) && (level === null || level <= rule.deepest)
  })
}

/** A decimal string ("123.45", "-10", "7.5") in integer cents; NaN for anything else. */
export function cents(value: string | number | null | undefined): number {
  if (value === null || value === undefined || value === '') return 0
  const s = String(value).trim()
  const m = /^(-)?(\d+)(?:\.(\d{0,2}))?$/.exec(s)
  if (!m) return Number.NaN
  const whole = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0') || '0')
  return m[1] ? -whole : whole
}

/** Integer cents as a decimal string with two places ("-1234.50"). */
export function fromCents(value: number): string {
  const sign = value < 0 ? '-' : ''
  const abs = Math.abs(Math.round(value))
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}

/** The exact sum of decimal strings (no float drift: 0.1 + 0.2 = "0.30"). */
export function sumMoney(values: readonly (string | number | null | undefined)[]): string {
  return fromCents(values.reduce<number>((acc, v) => acc + cents(v), 0))
}

/** A share 0..1 (string) as a percentage with one decimal ("0.4567" → "45.7%"); "—" without one. */
export function percent(rate: string | number | null | undefined): string {
  if (rate === null || rate === undefined || rate === '') return '—'
  const n = Number(rate)
  return Number.isFinite(n) ? `${(n * 100).toFixed(1)}%` : '—'
}

/** A form's amount (number from the input) as the API's decimal string; null when empty. */
export function amountOut(value: number | null | undefined): string | null {
  if (value === null || value === undefined || Number.isNaN(value)) return null
  return fromCents(Math.round(value * 100))
}

export interface MilestoneLike {
  id: string
  name: string
  due_on: string
  done_on: string | null
  position: number
}

export interface GanttRow {
  id: string
  name: string
  start: string
  end: string
  state: 'done' | 'late' | 'open'
}

const DAY = 86_400_000

/** Days since the epoch of a YYYY-MM-DD date (UTC, no time zone drift). */
export function dayNumber(isoDate: string): number {
  const [y, m, d] = isoDate.slice(0, 10).split('-').map(Number)
  return Math.round(Date.UTC(y, (m ?? 1) - 1, d ?? 1) / DAY)
}

/** Timeline bars of the milestones in their order: each runs from the previous one's planned date (the first from
 * the project's planned start) to its own; done, late (planned date passed, not done) or open. */
export function ganttRows(milestones: readonly MilestoneLike[], plannedStart: string, today: string): GanttRow[] {
  const sorted = [...milestones].sort((a, b) => a.position - b.position || a.due_on.localeCompare(b.due_on))
  let previous = plannedStart
  return sorted.map((m) => {
    const start = dayNumber(previous) <= dayNumber(m.due_on) ? previous : m.due_on
    previous = m.due_on
    const state = m.done_on ? 'done' : dayNumber(m.due_on) < dayNumber(today) ? 'late' : 'open'
    return { id: m.id, name: m.name, start, end: m.due_on, state }
  })
}

export interface OverdraftFigures {
  source: string
  allocated: string
  disbursed: string
  requested: string
  available: string
}

/** The figures of a refused disbursement (409 funds.overdraft), or null for any other error. */
export function overdraftFigures(error: ApiError | null | undefined): OverdraftFigures | null {
  if (!error || error.code !== 'funds.overdraft' || !error.problem) return null
  const p = error.problem as Record<string, unknown>
  const s = (k: string) => (p[k] === null || p[k] === undefined ? '' : String(p[k]))
  return { source: s('source'), allocated: s('allocated'), disbursed: s('disbursed'), requested: s('requested'), available: s('available') }
}

/** Today in the browser as YYYY-MM-DD. */
export function todayIso(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`
}

/** The project form (the editable fields; optional texts as '' and unchosen locations as null). */
export interface ProjectForm {
  code: string
  name: string
  category: string
  level: string
  nature: string
  year: number
  region_codes: (string | null)[]
  responsible_unit: string
  responsible_person: string
  planned_start_on: string
  due_on: string
  benefit_mechanism: string
}

type ProjectFields = { [K in keyof ProjectForm]: K extends 'region_codes' ? readonly string[] : K extends 'responsible_person' | 'benefit_mechanism' ? string | null | undefined : ProjectForm[K] }

/** The fields of the form that differ from the project (a PATCH body): texts trimmed, optional texts emptied as
 * null, the locations compared as a set without the unchosen ones. */
export function changedFields(project: ProjectFields, form: ProjectForm): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key of ['code', 'name', 'responsible_unit'] as const) {
    const value = form[key].trim()
    if (value !== project[key]) out[key] = value
  }
  for (const key of ['category', 'level', 'nature', 'year', 'planned_start_on', 'due_on'] as const) {
    if (form[key] !== project[key]) out[key] = form[key]
  }
  for (const key of ['responsible_person', 'benefit_mechanism'] as const) {
    const value = form[key].trim() || null
    if (value !== (project[key] ?? null)) out[key] = value
  }
  const codes = form.region_codes.filter((c): c is string => !!c)
  const same = codes.length === project.region_codes.length && [...codes].sort().join() === [...project.region_codes].sort().join()
  if (!same) out.region_codes = codes
  return out
}
