/** The integration page's calls: API keys (typed client), webhooks, adjustment windows and pending changes. */
import { api, ifMatch, unwrap } from '@/api/client'
import { sendJson } from '@/api/http'
import type { Page } from '@/api/types'
import type { Job } from '@/modules/jobs/jobState'
import type {
  AdjustmentWindow,
  AdjustmentWindowWrite,
  ApiKey,
  ApiKeyCreate,
  ApiKeyCreated,
  Delivery,
  PendingChange,
  PendingFilters,
  Webhook,
  WebhookWrite,
} from './types'

const id = (v: string) => encodeURIComponent(v)

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
  return (await sendJson<Page<Webhook>>('GET', '/api/v1/webhooks')).items
}

export function createWebhook(body: WebhookWrite): Promise<Webhook> {
  return sendJson<Webhook>('POST', '/api/v1/webhooks', { json: body })
}

export function updateWebhook(webhookId: string, body: Partial<WebhookWrite>): Promise<Webhook> {
  return sendJson<Webhook>('PATCH', `/api/v1/webhooks/${id(webhookId)}`, { json: body })
}

export function deleteWebhook(webhookId: string): Promise<void> {
  return sendJson<void>('DELETE', `/api/v1/webhooks/${id(webhookId)}`)
}

export function rotateWebhookSecret(webhookId: string): Promise<Webhook> {
  return sendJson<Webhook>('POST', `/api/v1/webhooks/${id(webhookId)}/rotate-secret`)
}

export function testWebhook(webhookId: string): Promise<unknown> {
  return sendJson<unknown>('POST', `/api/v1/webhooks/${id(webhookId)}/test`)
}

export function listDeliveries(webhookId: string, cursor: string | null, limit = 20): Promise<Page<Delivery>> {
  return sendJson<Page<Delivery>>('GET', `/api/v1/webhooks/${id(webhookId)}/deliveries`, { query: { cursor, limit } })
}

// adjustment windows
export async function listWindows(): Promise<AdjustmentWindow[]> {
  return (await sendJson<Page<AdjustmentWindow>>('GET', '/api/v1/adjustment-windows')).items
}

export function createWindow(body: AdjustmentWindowWrite): Promise<AdjustmentWindow> {
  return sendJson<AdjustmentWindow>('POST', '/api/v1/adjustment-windows', { json: body })
}

export function updateWindow(windowId: string, version: number, body: Partial<AdjustmentWindowWrite>): Promise<AdjustmentWindow> {
  return sendJson<AdjustmentWindow>('PATCH', `/api/v1/adjustment-windows/${id(windowId)}`, { json: body, headers: { 'If-Match': ifMatch(version) } })
}

/** Applies the pending changes now (202: the job). */
export function applyWindow(windowId: string): Promise<Job> {
  return sendJson<Job>('POST', `/api/v1/adjustment-windows/${id(windowId)}/apply`)
}

// pending changes
export function listPendingChanges(filters: PendingFilters, cursor: string | null, limit = 20): Promise<Page<PendingChange>> {
  return sendJson<Page<PendingChange>>('GET', '/api/v1/pending-changes', {
    query: { state: filters.state, household_id: filters.household_id?.trim(), cursor, limit },
  })
}

export function cancelPendingChange(changeId: string, reason: string): Promise<PendingChange> {
  return sendJson<PendingChange>('POST', `/api/v1/pending-changes/${id(changeId)}/cancel`, { json: { reason } })
}
