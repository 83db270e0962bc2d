/** The integration page's pure parts: tabs per permission, tag types, form ↔ body mapping, change summaries. */
import type { AdjustmentWindow, AdjustmentWindowWrite, DeliveryState, PendingChange, PendingState, WebhookWrite } from './types'

export const PERMISSIONS = {
  apiKeys: 'api_keys:manage',
  webhooks: 'webhooks:manage',
  adjustments: 'adjustments:manage',
} as const

/** Any one of these opens the page. */
export const PAGE_PERMISSIONS: readonly string[] = Object.values(PERMISSIONS)

export const TABS = ['api-keys', 'webhooks', 'windows', 'pending'] as const
export type Tab = (typeof TABS)[number]

/** The tabs this user sees: API keys and webhooks need their permission; windows and pending changes are read by all who reach the page. */
export function visibleTabs(can: (permission: string) => boolean): Tab[] {
  return TABS.filter((tab) => {
    if (tab === 'api-keys') return can(PERMISSIONS.apiKeys)
    if (tab === 'webhooks') return can(PERMISSIONS.webhooks)
    return true
  })
}

/** The tab to show for a route parameter: the one named if visible, else the first visible. */
export function chooseTab(param: unknown, visible: readonly Tab[]): Tab | null {
  const wanted = typeof param === 'string' ? param : Array.isArray(param) ? param[0] : undefined
  return visible.find((t) => t === wanted) ?? visible[0] ?? null
}

/** The events a subscription may name (a trailing .* takes every event of the entity). */
export const WEBHOOK_EVENTS = [
  '*',
  'household.*',
  'household.created',
  'household.updated',
  'household.status_changed',
  'household.head_changed',
  'member.*',
  'member.added',
  'member.updated',
  'member.removed',
  'income.*',
  'assessment.*',
] as const

/** i18n key of an event's label; unknown events are shown as they are. */
export function eventLabelKey(event: string): string {
  if (event === '*') return 'integration.events.any'
  return `integration.events.${event.replace(/\.\*$/, '.all')}`
}

export type TagType = 'info' | 'primary' | 'success' | 'danger' | 'warning'

export function deliveryTagType(state: DeliveryState | string): TagType {
  switch (state) {
    case 'delivered':
      return 'success'
    case 'failed':
      return 'warning'
    case 'gave_up':
      return 'danger'
    default:
      return 'info'
  }
}

export function pendingTagType(state: PendingState | string): TagType {
  switch (state) {
    case 'applied':
      return 'success'
    case 'failed':
      return 'danger'
    case 'cancelled':
      return 'info'
    default:
      return 'warning'
  }
}

/** An HTTP status of a delivery as a tag type: 2xx fine, anything else not. */
export function statusCodeType(code: number | null | undefined): TagType {
  if (code === null || code === undefined) return 'info'
  return code >= 200 && code < 300 ? 'success' : 'danger'
}

/** Who owns or asked for something: a user or an API key. */
export interface Party {
  type?: string | null
  id?: string | null
  name?: string | null
}

export function ownerName(owner: Party | string | null | undefined): string {
  if (!owner) return '—'
  if (typeof owner === 'string') return owner
  return owner.name || owner.id || '—'
}

export interface WebhookForm {
  url: string
  events: string[]
  description: string
  active: boolean
}

export function emptyWebhookForm(): WebhookForm {
  return { url: '', events: ['household.*'], description: '', active: true }
}

export function webhookBody(form: WebhookForm): WebhookWrite {
  return {
    url: form.url.trim(),
    events: [...new Set(form.events.map((e) => e.trim()).filter(Boolean))],
    description: form.description.trim() || null,
    active: form.active,
  }
}

/** A receiver URL the page accepts before sending (the API checks it again). */
export function validUrl(url: string): boolean {
  try {
    const u = new URL(url.trim())
    return u.protocol === 'https:' || u.protocol === 'http:'
  } catch {
    return false
  }
}

export interface WindowForm {
  year: number | null
  /** [opens_on, closes_on] as YYYY-MM-DD */
  range: [string, string] | null
  note: string
}

export function emptyWindowForm(today = new Date()): WindowForm {
  return { year: today.getFullYear(), range: null, note: '' }
}

export function windowForm(w: AdjustmentWindow): WindowForm {
  return { year: w.year, range: [w.opens_on.slice(0, 10), w.closes_on.slice(0, 10)], note: w.note ?? '' }
}

/** The body of a window, or the form path that is missing or wrong. */
export function windowBody(form: WindowForm): { ok: true; body: AdjustmentWindowWrite } | { ok: false; path: 'year' | 'range' } {
  if (form.year === null || !Number.isInteger(form.year) || form.year < 2000 || form.year > 2100) return { ok: false, path: 'year' }
  if (!form.range || !form.range[0] || !form.range[1] || form.range[1] < form.range[0]) return { ok: false, path: 'range' }
  return { ok: true, body: { year: form.year, opens_on: form.range[0], closes_on: form.range[1], note: form.note.trim() || null } }
}

/** The fields of a window that changed (for PATCH). */
export function windowPatch(before: AdjustmentWindow, body: AdjustmentWindowWrite): Partial<AdjustmentWindowWrite> {
  const out: Partial<AdjustmentWindowWrite> = {}
  if (body.year !== before.year) out.year = body.year
  if (body.opens_on !== before.opens_on.slice(0, 10)) out.opens_on = body.opens_on
  if (body.closes_on !== before.closes_on.slice(0, 10)) out.closes_on = body.closes_on
  if ((body.note ?? null) !== (before.note ?? null)) out.note = body.note ?? null
  return out
}

export interface ChangeLine {
  field: string
  value: string
}

function valueText(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—'
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (Array.isArray(v)) return v.map(valueText).join('、')
  return JSON.stringify(v)
}

/**
 * The requested changes as lines "field: value", values through `label` (a code table's label for code fields).
 * A change may be given as {field: value} or as {field: {before, after}}: the new value is shown.
 */
export function changeLines(change: Pick<PendingChange, 'changes'>, label: (field: string, value: unknown) => string | null = () => null): ChangeLine[] {
  return Object.entries(change.changes ?? {}).map(([field, raw]) => {
    const v = raw && typeof raw === 'object' && !Array.isArray(raw) && 'after' in (raw as object) ? (raw as { after: unknown }).after : raw
    return { field, value: label(field, v) ?? valueText(v) }
  })
}
