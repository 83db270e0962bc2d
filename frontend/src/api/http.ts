/**
 * Requests outside the typed client's JSON calls: file downloads (exports, templates, error reports) and calls
 * built by hand (multipart uploads, query strings shared with a list). They go through the same authenticated
 * fetch as the typed client (bearer token, one silent refresh, idempotency keys on POST) and turn problem+json
 * answers into the same ApiError.
 */
import { authFetch } from './client'
import { ApiError, type Problem } from './problem'

export type QueryValue = string | number | boolean | null | undefined | readonly (string | number)[]
export type Query = Readonly<Record<string, QueryValue>>

/** "a=1&s=x&s=y": empty values left out, lists repeated (the way the typed client writes them). */
export function queryString(query: Query = {}): string {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) {
    if (value === null || value === undefined || value === '') continue
    if (Array.isArray(value)) {
      for (const v of value as readonly (string | number)[]) if (v !== '' && v !== null && v !== undefined) params.append(name, String(v))
    } else {
      params.append(name, String(value))
    }
  }
  return params.toString()
}

/** A path of the API with its query string ("/api/v1/households/export?format=csv"). */
export function apiPath(path: string, query?: Query): string {
  const qs = queryString(query)
  return qs ? `${path}?${qs}` : path
}

function absolute(path: string): string {
  const origin = typeof window !== 'undefined' && window.location?.origin ? window.location.origin : 'http://localhost'
  return /^https?:\/\//.test(path) ? path : `${origin}${path}`
}

/** The problem of a failed answer (problem+json, or a readable stand-in for anything else). */
export async function problemOf(res: Response): Promise<Problem> {
  const text = await res.text().catch(() => '')
  if (text) {
    try {
      const body = JSON.parse(text) as unknown
      if (body && typeof body === 'object' && !Array.isArray(body)) return body as Problem
    } catch {
      /* not JSON */
    }
  }
  return { status: res.status }
}

export interface SendOptions {
  query?: Query
  /** a JSON body */
  json?: unknown
  /** a multipart body (the browser writes its Content-Type with the boundary) */
  form?: FormData
  headers?: Record<string, string>
}

/** Sends a request with the app's credentials; a non-2xx answer throws an ApiError (as `unwrap` does). */
export async function send(method: string, path: string, options: SendOptions = {}): Promise<Response> {
  const headers = new Headers({ Accept: 'application/json, application/problem+json', ...options.headers })
  let body: BodyInit | undefined
  if (options.form) body = options.form
  else if (options.json !== undefined) {
    headers.set('Content-Type', 'application/json')
    body = JSON.stringify(options.json)
  }
  let res: Response
  try {
    res = await authFetch(new Request(absolute(apiPath(path, options.query)), { method, headers, body }))
  } catch (e) {
    throw new ApiError(0, { detail: String(e) })
  }
  if (!res.ok) throw new ApiError(res.status, await problemOf(res))
  return res
}

/** A JSON call: the parsed body (undefined for 204). */
export async function sendJson<T>(method: string, path: string, options: SendOptions = {}): Promise<T> {
  const res = await send(method, path, options)
  if (res.status === 204) return undefined as T
  const text = await res.text()
  return (text ? JSON.parse(text) : undefined) as T
}

/** The file name of a Content-Disposition header (RFC 6266: filename* in UTF-8 wins over filename). */
export function filenameFromDisposition(header: string | null | undefined): string | null {
  if (!header) return null
  const star = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(header)
  if (star) {
    try {
      return decodeURIComponent(star[2].trim().replace(/^"|"$/g, ''))
    } catch {
      /* fall through to the plain name */
    }
  }
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/i.exec(header)
  if (!plain) return null
  const name = (plain[2] ?? plain[1]).trim()
  return name || null
}

/** Hands a blob to the browser as a downloaded file. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  a.rel = 'noopener'
  a.style.display = 'none'
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 30_000)
}

/**
 * Downloads a file of the API with the bearer token (a plain link could not send it) and saves it under the name
 * the server gives (or `fallbackName`). Returns the name. A refusal (413, 404, ...) throws an ApiError.
 */
export async function download(path: string, options: { query?: Query; fallbackName: string }): Promise<string> {
  const res = await send('GET', path, { query: options.query, headers: { Accept: '*/*' } })
  const name = filenameFromDisposition(res.headers.get('Content-Disposition')) ?? options.fallbackName
  saveBlob(await res.blob(), name)
  return name
}
