/**
 * Readable rows for audit events of any domain. The domain supplies what only it knows:
 * how its fields are labelled and which code table explains a field's values.
 */
import type { AuditEvent } from '@/api/types'

export type AuditEventLike = Pick<AuditEvent, 'action'> & Partial<Pick<AuditEvent, 'entity_type' | 'changes'>>

/** The label of a changed field of this event (the trail's owner decides; unknown fields may stay raw). */
export type AuditFieldLabel = (field: string, ev?: AuditEventLike) => string
/** The code table whose labels explain the values of this field, or null. */
export type AuditValueTable = (field: string, ev?: AuditEventLike) => string | null

export interface AuditFormat {
  fieldLabel: AuditFieldLabel
  valueTable?: AuditValueTable
  /** the label of a code in a code table (the codes store's `label`) */
  codeLabel: (table: string, code: string) => string
  t: (key: string) => string
  te?: (key: string) => boolean
}

export interface ChangeRow {
  field: string
  before: string
  after: string
}

export function formatValue(field: string, value: unknown, f: AuditFormat, ev?: AuditEventLike): string {
  if (value === null || value === undefined || value === '') return '—'
  if (typeof value === 'boolean') return value ? f.t('common.yes') : f.t('common.no')
  if (Array.isArray(value)) return value.length ? value.map((v) => formatValue(field, v, f, ev)).join('、') : '—'
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== null && v !== undefined && v !== '')
    return entries.length ? entries.map(([k, v]) => `${f.fieldLabel(k, ev)}：${formatValue(k, v, f, ev)}`).join('；') : '—'
  }
  const s = String(value)
  // personal-data reads name what was read (the same in every domain)
  if (field === 'read') {
    const key = `audit.reads.${s}`
    return (f.te ? f.te(key) : f.t(key) !== key) ? f.t(key) : s
  }
  const table = f.valueTable?.(field, ev)
  return table ? f.codeLabel(table, s) : s
}

/** The changes of an audit event as readable rows: field label, before, after. */
export function changeRows(ev: AuditEventLike, f: AuditFormat): ChangeRow[] {
  return Object.entries(ev.changes ?? {}).map(([field, v]) => {
    const pair = Array.isArray(v) && v.length === 2 ? v : [null, v]
    return {
      field: f.fieldLabel(field, ev),
      before: formatValue(field, pair[0], f, ev),
      after: formatValue(field, pair[1], f, ev),
    }
  })
}

export function isRead(ev: Pick<AuditEvent, 'action'>): boolean {
  return ev.action.endsWith('personal_data_read')
}

/** "household.created" → 建档 (audit.actions.household.created), else the raw action. */
export function actionLabel(action: string, t: (key: string) => string, te: (key: string) => boolean): string {
  const key = `audit.actions.${action}`
  return te(key) ? t(key) : action
}
