/** The integration page's types: the generated contract's (src/api/schema.d.ts). */
import type { components } from '@/api/schema'

type S = components['schemas']
export type ApiKey = S['ApiKeyOut']
export type ApiKeyCreated = S['ApiKeyCreated']
export type ApiKeyCreate = S['ApiKeyCreate']
export type Role = S['Role']
export type PermissionName = S['Permission']

export type Webhook = S['WebhookOut']
export type WebhookOwner = S['WebhookOwner']
export type WebhookWrite = S['WebhookCreate']
export type WebhookUpdate = S['WebhookUpdate']
export type Delivery = S['DeliveryOut']
export type DeliveryState = Delivery['state']

export type AdjustmentWindow = S['WindowOut']
export type AdjustmentWindowWrite = S['WindowIn']
export type AdjustmentWindowUpdate = S['WindowUpdate']

export type PendingChange = S['PendingChangeOut']
export type PendingState = PendingChange['state']
export type RequestedBy = S['RequestedBy']

export interface PendingFilters {
  state?: string | null
  household_id?: string | null
}
