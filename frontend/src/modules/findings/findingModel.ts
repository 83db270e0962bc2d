/** Pure helpers of the finding pages: the board's columns, the moves a user may make, overdue colours, areas. */

/** The board's columns, in workflow order (backend findings/workflow.py). */
export const STATE_COLUMNS = ['pending', 'rectifying', 'submitted', 'closed', 'returned', 'transferred'] as const
export type FindingState = (typeof STATE_COLUMNS)[number]

/** Rows grouped by state, one list per column (every column present, unknown states left out). */
export function byState<T extends { state: string }>(rows: readonly T[]): Record<FindingState, T[]> {
  const out = Object.fromEntries(STATE_COLUMNS.map((s) => [s, [] as T[]])) as Record<FindingState, T[]>
  for (const r of rows) if ((STATE_COLUMNS as readonly string[]).includes(r.state)) out[r.state as FindingState].push(r)
  return out
}

// the workflow's moves (findings/workflow.py) and the permission each asks (authz/policy.py FINDING_STEPS)
export const MOVES: Record<string, readonly string[]> = {
  pending: ['rectifying', 'transferred'],
  rectifying: ['submitted', 'transferred'],
  submitted: ['closed', 'returned', 'transferred'],
  returned: ['rectifying', 'transferred'],
  closed: [],
  transferred: [],
}
export const STEP_PERMISSION: Record<string, string> = {
  rectifying: 'findings:rectify',
  submitted: 'findings:rectify',
  closed: 'findings:close',
  returned: 'findings:close',
  transferred: 'findings:write',
}
/** the moves that verify a rectification: never by the responsible unit */
export const VERIFYING = new Set(['closed', 'returned'])

/** The significant prefix of a 12-digit region code: 2 province, 4 city, 6 county, 9 township, 12 village. */
export function regionPrefix(code: string): string {
  const c = code.padEnd(12, '0')
  if (c.slice(2) === '0000000000') return c.slice(0, 2)
  if (c.slice(4) === '00000000') return c.slice(0, 4)
  if (c.slice(6) === '000000') return c.slice(0, 6)
  if (c.slice(9) === '000') return c.slice(0, 9)
  return c
}

/** Is `code` the region `root` or inside it? A null root is the whole system. */
export function within(code: string | null | undefined, root: string | null | undefined): boolean {
  if (!root) return true
  if (!code) return false
  return code.padEnd(12, '0').startsWith(regionPrefix(root))
}

export interface Caller {
  permissions: readonly string[]
  roles: readonly string[]
  /** the caller's area root; null = whole system */
  regionCode: string | null
}

/** The states a caller may move a finding of `state` in `regionCode` to: permitted, and 销号/退回 only for a verifier
 * who is not the responsible unit (an inspector anywhere in its area; else only when the caller's area lies
 * strictly above the finding's region: authz/policy.py require_finding_verifier). */
export function findingActions(state: string, regionCode: string, caller: Caller): string[] {
  return (MOVES[state] ?? []).filter((to) => {
    if (!caller.permissions.includes(STEP_PERMISSION[to] ?? '')) return false
    if (!VERIFYING.has(to)) return true
    if (caller.roles.includes('inspector') || caller.regionCode === null) return true
    return !within(caller.regionCode, regionCode)
  })
}

/** Red when overdue and still open, else none (tag type, text colour). */
export function overdueStyle(f: { overdue: boolean; state: string }): { tag: 'danger' | 'info'; colour: string } | null {
  if (!f.overdue || f.state === 'closed') return null
  return { tag: 'danger', colour: '#c0392b' }
}

/** 2026-第12号: the finding's number as people cite it */
export function findingNumber(f: { year: number; number: number }): string {
  return `${f.year}-${String(f.number).padStart(3, '0')}`
}

/** The fields of the finding form (raise, edit, 回头看); links split by kind, the kinds the form has no picker for
 * (measures, disbursements) kept as they are. */
export interface FindingForm {
  source: string
  batch: string
  category: string
  severity: string
  timeframe: string
  description: string
  region_code: string | null
  lead_unit: string
  responsible_unit: string
  responsible_person: string
  raised_on: string
  deadline: string
  households: string[]
  projects: string[]
  others: { type: string; id: string }[]
}
/** A record offered in a link picker. */
export interface LinkOption {
  id: string
  label: string
}

interface FindingLike {
  source: string
  batch: string
  category: string
  severity: string
  timeframe: string
  description: string
  region_code: string
  lead_unit: string
  responsible_unit: string
  responsible_person?: string | null
  raised_on: string
  deadline: string
  links: readonly { type: string; id: string }[]
}

/** The form of an existing finding, for editing it. */
export function formOf(f: FindingLike): FindingForm {
  const ids = (type: string) => f.links.filter((l) => l.type === type).map((l) => l.id)
  return {
    source: f.source,
    batch: f.batch,
    category: f.category,
    severity: f.severity,
    timeframe: f.timeframe,
    description: f.description,
    region_code: f.region_code,
    lead_unit: f.lead_unit,
    responsible_unit: f.responsible_unit,
    responsible_person: f.responsible_person ?? '',
    raised_on: f.raised_on,
    deadline: f.deadline,
    households: ids('household'),
    projects: ids('project'),
    others: f.links.filter((l) => l.type !== 'household' && l.type !== 'project').map((l) => ({ type: l.type, id: l.id })),
  }
}

/** The 回头看 form of a closed finding: the same unit, region, category and links, found again today, with source
 * 回头看; the batch, deadline and what was found this time are the inspector's to give. */
export function reinspectionOf(f: FindingLike, today: string): FindingForm {
  return { ...formOf(f), source: 're_inspection', batch: '', description: '', raised_on: today, deadline: '' }
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

/** The fields of `now` that differ from `before` (an edit sends only these); an emptied 责任人 is sent as null. */
export function changedFields(before: FindingForm, now: FindingForm): Partial<Record<keyof FindingForm, unknown>> {
  const out: Partial<Record<keyof FindingForm, unknown>> = {}
  for (const key of Object.keys(now) as (keyof FindingForm)[]) {
    if (same(before[key], now[key])) continue
    out[key] = key === 'responsible_person' && now[key] === '' ? null : now[key]
  }
  return out
}
