/**
 * A household's pending changes (待调整变更) as the pages show them: each requested field with its label and its
 * value through the code tables, as the audit trail shows them. Used by the household page and the integration page.
 */
import { changeLines } from '@/modules/integration/integrationModel'
import type { PendingChange } from '@/modules/integration/types'
import { t, te } from '@/i18n'
import { HOUSEHOLD_FIELD_LABELS, TRANSITION_LABELS, householdAuditValueTable } from './labels'

/** An update names household fields; a status move to_status, reason and year. */
const PENDING_LABELS: Record<string, string> = { ...HOUSEHOLD_FIELD_LABELS, ...TRANSITION_LABELS }

function fieldLabel(field: string): string {
  const key = PENDING_LABELS[field]
  return key && te(key) ? t(key) : field
}

export interface PendingLine {
  field: string
  label: string
  value: string
}

/** The label of a code of a table (the codes store's `label`). */
export type CodeLabel = (table: string, code: string) => string

/** The fields of a change as "label: value" lines; code fields through `codeLabel`, lists joined with 、. */
export function pendingLines(change: Pick<PendingChange, 'changes'>, codeLabel: CodeLabel): PendingLine[] {
  return changeLines(change, (field, value) => {
    const table = householdAuditValueTable(field)
    if (!table || value === null || value === undefined) return null
    return Array.isArray(value) ? value.map((v) => codeLabel(table, String(v))).join('、') : codeLabel(table, String(value))
  }).map((l) => ({ ...l, label: fieldLabel(l.field) }))
}

/** The shortest reason a household page accepts for cancelling a pending change. */
export const CANCEL_REASON_MIN = 4

export function cancelReasonOk(reason: string | null | undefined): boolean {
  return (reason ?? '').trim().length >= CANCEL_REASON_MIN
}
