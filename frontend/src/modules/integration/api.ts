/** The integration page's calls, typed by the generated contract (src/api/schema.d.ts). */
import { api, ifMatch, unwrap } from '@/api/client'
import type { Page } from '@/api/types'
import type { operations } from '@/api/schema'
import type { Job } from '@/modules/jobs/jobState'
import type {
  AdjustmentWindow,
  AdjustmentWindowUpdate,
  AdjustmentWindowWrite,
  ApiKey,
  ApiKeyCreate,
  ApiKeyCreated,
  Delivery,
  PendingChange,
  PendingFilters,
  Webhook,
  WebhookUpdate,
  WebhookWrite,
} from './types'

type PendingQuery = NonNullable<operations['pending-changes-list']['parameters']['query']>

// API keys
export async function listApiKeys(): Promise<ApiKey[]> {
  return (await unwrap(api.GET('/api/v1/api-keys', {}))).items
}

export function createApiKey(body: ApiKeyCreate): Promise<ApiKeyCreated> {
  return unwrap(api.POST('/api/v1/api-keys', { body }))
}

export function revokeApiKey(keyId: string): Promise<unknown> {
  return unwrap(api.DELETE('/api/v1/api-keys/{key_id}', { params: { path: { key_id: keyId } } }))
}

// webhooks
export async function listWebhooks(): Promise<Webhook[]> {
  return (await unwrap(api.GET('/api/v1/webhooks', {}))).items
}

export function createWebhook(body: WebhookWrite): Promise<Webhook> {
  return unwrap(api.POST('/api/v1/webhooks', { body }))
}

export function updateWebhook(webhookId: string, body: WebhookUpdate): Promise<Webhook> {
  return unwrap(api.PATCH('/api/v1/webhooks/{webhook_id}', { params: { path: { webhook_id: webhookId } }, body }))
}

export async function deleteWebhook(webhookId: string): Promise<void> {
  await unwrap(api.DELETE('/api/v1/webhooks/{webhook_id}', { params: { path: { webhook_id: webhookId } } }))
}

export function rotateWebhookSecret(webhookId: string): Promise<Webhook> {
  return unwrap(api.POST('/api/v1/webhooks/{webhook_id}/rotate-secret', { params: { path: { webhook_id: webhookId } } }))
}

export function testWebhook(webhookId: string): Promise<unknown> {
  return unwrap(api.POST('/api/v1/webhooks/{webhook_id}/test', { params: { path: { webhook_id: webhookId } } }))
}

export function listDeliveries(webhookId: string, cursor: string | null, limit = 20): Promise<Page<Delivery>> {
  return unwrap(
    api.GET('/api/v1/webhooks/{webhook_id}/deliveries', {
      params: { path: { webhook_id: webhookId }, query: { limit, cursor: cursor ?? undefined } },
    }),
  )
}

// adjustment windows
export async function listWindows(): Promise<AdjustmentWindow[]> {
  return (await unwrap(api.GET('/api/v1/adjustment-windows', {}))).items
}

export function createWindow(body: AdjustmentWindowWrite): Promise<AdjustmentWindow> {
  return unwrap(api.POST('/api/v1/adjustment-windows', { body }))
}

export function updateWindow(windowId: string, version: number, body: AdjustmentWindowUpdate): Promise<AdjustmentWindow> {
  return unwrap(
    api.PATCH('/api/v1/adjustment-windows/{window_id}', {
      params: { path: { window_id: windowId }, header: { 'If-Match': ifMatch(version) } },
      body,
    }),
  )
}

/** Applies the pending changes now (202: the job). */
export function applyWindow(windowId: string): Promise<Job> {
  return unwrap(api.POST('/api/v1/adjustment-windows/{window_id}/apply', { params: { path: { window_id: windowId } } }))
}

// pending changes
export function listPendingChanges(filters: PendingFilters, cursor: string | null, limit = 20): Promise<Page<PendingChange>> {
  return unwrap(
    api.GET('/api/v1/pending-changes', {
      params: {
        query: {
          state: (filters.state || undefined) as PendingQuery['state'],
          household_id: filters.household_id?.trim() || undefined,
          cursor: cursor ?? undefined,
          limit,
        },
      },
    }),
  )
}

export function cancelPendingChange(changeId: string, reason: string): Promise<PendingChange> {
  return unwrap(api.POST('/api/v1/pending-changes/{change_id}/cancel', { params: { path: { change_id: changeId } }, body: { reason } }))
}
