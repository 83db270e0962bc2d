import { fieldLabel } from '@/api/problem'
import { TABLES } from '@/stores/codes'
import type { AuditEvent } from '@/api/types'

/** Which code table explains the values of a changed field. */
const VALUE_TABLES: Record<string, string> = {
  status: TABLES.status,
  to_status: TABLES.status,
  attribute: TABLES.attribute,
  main_cause: TABLES.cause,
  secondary_causes: TABLES.cause,
  identification_standard: TABLES.standard,
  id_type: TABLES.idType,
  gender: TABLES.gender,
  ethnicity: TABLES.ethnicity,
  relation: TABLES.relation,
  education: TABLES.education,
  school_status: TABLES.schoolStatus,
  health: TABLES.health,
  labour: TABLES.labour,
  work_status: TABLES.workStatus,
  housing_safety: TABLES.housingSafety,
  road_type: TABLES.roadType,
  fuel: TABLES.fuel,
}

export interface ChangeRow {
  field: string
  before: string
  after: string
}

type Label = (table: string, code: string) => string
type Translate = (key: string) => string

export function formatValue(field: string, value: unknown, label: Label, t: Translate, action = ''): string {
  if (value === null || value === undefined || value === '') return '—'
  if (typeof value === 'boolean') return value ? t('common.yes') : t('common.no')
  if (Array.isArray(value)) return value.length ? value.map((v) => formatValue(field, v, label, t, action)).join('、') : '—'
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== null && v !== undefined && v !== '')
    return entries.length ? entries.map(([k, v]) => `${fieldLabel(k)}：${formatValue(k, v, label, t, action)}`).join('；') : '—'
  }
  const s = String(value)
  if (field === 'reason') {
    const table = action.endsWith('removed') ? TABLES.memberRemove : TABLES.memberAdd
    return label(table, s)
  }
  if (field === 'read') return t(`audit.reads.${s}`) === `audit.reads.${s}` ? s : t(`audit.reads.${s}`)
  const table = VALUE_TABLES[field]
  return table ? label(table, s) : s
}

/** The changes of an audit event as readable rows: field label, before, after. */
export function changeRows(ev: Pick<AuditEvent, 'changes' | 'action'>, label: Label, t: Translate): ChangeRow[] {
  return Object.entries(ev.changes ?? {}).map(([field, v]) => {
    const pair = Array.isArray(v) && v.length === 2 ? v : [null, v]
    return {
      field: fieldLabel(field),
      before: formatValue(field, pair[0], label, t, ev.action),
      after: formatValue(field, pair[1], label, t, ev.action),
    }
  })
}

export function isRead(ev: Pick<AuditEvent, 'action'>): boolean {
  return ev.action.endsWith('personal_data_read')
}
