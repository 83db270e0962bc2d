/** Field labels of the integration page's forms (API field → i18n key), one map per form. */
import type { FieldLabels } from '@/api/problem'

export const API_KEY_LABELS: FieldLabels = {
  name: 'integration.keys.name',
  roles: 'integration.keys.roles',
  scopes: 'integration.keys.scopes',
  region_code: 'integration.keys.region',
  department: 'integration.keys.department',
  pii: 'integration.keys.pii',
  expires_at: 'integration.keys.expiresAt',
}

export const WEBHOOK_LABELS: FieldLabels = {
  url: 'integration.hooks.url',
  events: 'integration.hooks.events',
  description: 'integration.hooks.description',
  active: 'integration.hooks.active',
}

export const WINDOW_LABELS: FieldLabels = {
  year: 'integration.windows.year',
  opens_on: 'integration.windows.opensOn',
  closes_on: 'integration.windows.closesOn',
  note: 'integration.windows.note',
}

export const CANCEL_LABELS: FieldLabels = {
  reason: 'integration.pending.cancelReason',
}
