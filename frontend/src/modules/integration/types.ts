/** The shapes of the integration endpoints (webhooks, adjustment windows, pending changes) and of API keys. */
import type { components } from '@/api/schema'

type S = components['schemas']
export type ApiKey = S['ApiKeyOut']
export type ApiKeyCreated = S['ApiKeyCreated']
export type ApiKeyCreate = S['ApiKeyCreate']
export type Role = S['Role']
export type PermissionName = S['Permission']

export interface WebhookOwner {
  type?: string | null
  id?: string | null
  name?: string | null
}

export interface Webhook {
  id: string
  url: string
  events: string[]
  description?: string | null
  active: boolean
  created_at: string
  owner?: WebhookOwner | string | null
  region_code?: string | null
  version?: number
  secret_rotated_at?: string | null
  /** until then deliveries carry a second signature made with the previous secret */
  previous_secret_expires_at?: string | null
  /** the signing secret: only in the answer to create and rotate-secret */
  secret?: string | null
}

export interface WebhookWrite {
  url: string
  events: string[]
  description?: string | null
  active: boolean
}

export type DeliveryState = 'pending' | 'delivered' | 'failed' | 'gave_up'

export interface Delivery {
  id: string
  /** the change-feed entry delivered (null: a test ping) */
  seq: number | null
  event: string
  attempt: number
  state: DeliveryState
  status_code?: number | null
  error?: string | null
  created_at: string
  delivered_at?: string | null
  next_attempt_at?: string | null
}

export interface AdjustmentWindow {
  id: string
  year: number
  opens_on: string
  closes_on: string
  note?: string | null
  is_open: boolean
  region_code?: string | null
  version: number
  /** on create or update of a window that is open now: the adjustments.apply job queued */
  apply_job_id?: string | null
}

export interface AdjustmentWindowWrite {
  year: number
  opens_on: string
  closes_on: string
  note?: string | null
}

export type PendingState = 'pending' | 'applied' | 'cancelled' | 'failed'

export interface PendingChange {
  id: string
  household_id: string
  household_number?: string | null
  kind: 'update' | 'transition'
  changes: Record<string, unknown>
  state: PendingState
  reason?: string | null
  requested_by?: WebhookOwner | string | null
  requested_at: string
  decided_at?: string | null
  error?: string | null
  version: number
}

export interface PendingFilters {
  state?: string | null
  household_id?: string | null
}
