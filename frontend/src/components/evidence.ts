/**
 * Evidence files of any record (visits, measures, projects, findings): the owner's list, upload (multipart) and
 * downloads. The files are always served as attachments; thumbnails are read with the bearer token into blob
 * URLs (never an <img> pointing at the API).
 */
import { download, send, sendJson } from '@/api/http'
import type { components } from '@/api/schema'

export type Evidence = components['schemas']['EvidenceOut']
export const EVIDENCE_ACCEPT = 'image/jpeg,image/png,application/pdf'

export async function listEvidence(ownerType: string, ownerId: string): Promise<Evidence[]> {
  const page = await sendJson<{ items: Evidence[] }>('GET', '/api/v1/evidence', { query: { owner_type: ownerType, owner_id: ownerId, limit: 200 } })
  return page.items
}

export function evidenceForm(ownerType: string, ownerId: string, file: Blob, name: string): FormData {
  const form = new FormData()
  form.append('owner_type', ownerType)
  form.append('owner_id', ownerId)
  form.append('file', file, name)
  return form
}

export function uploadEvidence(ownerType: string, ownerId: string, file: File): Promise<Evidence> {
  return sendJson<Evidence>('POST', '/api/v1/evidence', { form: evidenceForm(ownerType, ownerId, file, file.name) })
}

export function downloadEvidence(e: Evidence): Promise<string> {
  return download(e.download_url, { fallbackName: e.filename })
}

export function isImage(e: Pick<Evidence, 'content_type'>): boolean {
  return e.content_type === 'image/jpeg' || e.content_type === 'image/png'
}

/** A blob URL of an image's content for a thumbnail (revoke it when done). */
export async function thumbnailUrl(e: Evidence): Promise<string> {
  const res = await send('GET', e.download_url, { headers: { Accept: '*/*' } })
  return URL.createObjectURL(await res.blob())
}

export function sizeLabel(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}
