/** Pure helpers of the cadre pages: kinds, current assignments, the visit and residency forms, the year figure. */
import type { Assignment, ResidencyYear } from './api'

export const CADRE_KINDS = ['paired', 'first_secretary', 'work_team'] as const
export const RESIDENCY_KINDS = ['present', 'leave', 'duty'] as const
/** kinds posted to a village (they keep residency days); a paired cadre is paired with households */
export const VILLAGE_KINDS: readonly string[] = ['first_secretary', 'work_team']

export function isVillageKind(kind: string | null | undefined): boolean {
  return !!kind && VILLAGE_KINDS.includes(kind)
}

export function currentAssignments(items: readonly Assignment[]): Assignment[] {
  return items.filter((a) => a.current)
}

/** The villages a cadre serves now (first secretary, work team) and the households it is paired with now. */
export function currentTargets(items: readonly Assignment[]): { villages: string[]; households: { id: string; label: string }[] } {
  const now = currentAssignments(items)
  const villages = [...new Set(now.filter((a) => !a.household_id).map((a) => a.village_code))]
  const households = now
    .filter((a) => a.household_id)
    .map((a) => ({ id: a.household_id as string, label: `${a.household_number ?? ''} ${a.head_name ?? ''}`.trim() }))
  return { villages, households }
}

export interface VisitFields {
  household_id: string
  visited_on: string
  content: string
  location: string
}

/** The body of POST /api/v1/visits from the form (an empty location left out). */
export function visitBody(cadreId: string, f: VisitFields): { cadre_id: string; household_id: string; visited_on: string; content: string; location?: string } {
  const body = { cadre_id: cadreId, household_id: f.household_id, visited_on: f.visited_on, content: f.content.trim() }
  return f.location.trim() ? { ...body, location: f.location.trim() } : body
}

/** "123 / 200" with the requirement to date: whether the first secretary is behind. */
export function residencyStatus(y: ResidencyYear | null): 'behind' | 'on_track' | null {
  if (!y) return null
  return y.below_required ? 'behind' : 'on_track'
}

/** Local ISO date (YYYY-MM-DD) of a day. */
export function isoDay(d: Date): string {
  const m = String(d.getMonth() + 1).padStart(2, '0')
  const day = String(d.getDate()).padStart(2, '0')
  return `${d.getFullYear()}-${m}-${day}`
}
