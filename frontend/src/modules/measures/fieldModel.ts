/**
 * A line department's field (行业领域): the measure types it records. The server decides (403
 * measures.department_field); the pages use the same rule to offer only what will be accepted.
 */
export interface DepartmentField {
  code: string
  measure_types: readonly string[]
  disabled_member_types: readonly string[]
}

/** The types a department records for some member (its own types, and those it owns for disabled members). */
export function fieldTypes(department: DepartmentField | null | undefined): string[] {
  if (!department) return []
  return [...new Set([...department.measure_types, ...department.disabled_member_types])]
}

/**
 * Whether a caller of `department` (null: not a department, limited by area only) may record a measure of `type`
 * for a member with `memberHealth` (null: for the whole household).
 */
export function ownsType(
  department: DepartmentField | null | undefined,
  type: string,
  memberHealth: string | null | undefined,
  isDepartment: boolean,
): boolean {
  if (!isDepartment) return true
  if (!department) return false
  if (department.measure_types.includes(type)) return true
  return department.disabled_member_types.includes(type) && memberHealth === 'disabled'
}

export const OPEN_STATUSES = ['planned', 'in_progress'] as const

/** The moves a measure in `status` offers: planned → in_progress → done; open → cancelled. */
export function nextMoves(status: string): ('in_progress' | 'done' | 'cancelled')[] {
  if (status === 'planned') return ['in_progress', 'done', 'cancelled']
  if (status === 'in_progress') return ['done', 'cancelled']
  return []
}

/** The amount as the API wants it: a decimal string with two places, or null when empty. */
export function amountOut(value: number | null | undefined): string | null {
  if (value === null || value === undefined || Number.isNaN(value)) return null
  return value.toFixed(2)
}
