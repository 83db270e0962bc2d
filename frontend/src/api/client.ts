import createClient from 'openapi-fetch'
import type { paths } from './schema'
import { session, type TokenSet } from './session'
import { ApiError, type Problem } from './problem'

export const API_BASE = '/api/v1'

function absoluteBase(): string {
  const origin = typeof window !== 'undefined' && window.location?.origin ? window.location.origin : 'http://localhost'
  return `${origin}${API_BASE}`
}

/** Requests that must never trigger a token refresh (they are the refresh machinery). */
function isAuthEndpoint(url: string): boolean {
  return /\/auth\/(token|refresh|logout)(\?|$)/.test(url)
}

let inFlight: Promise<boolean> | null = null

function newKey(): string {
  if (typeof crypto !== 'undefined' && 'randomUUID' in crypto) return crypto.randomUUID()
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`
}

/** Exchanges the refresh token; concurrent callers share one request (rotation makes a second one fatal). */
export function refreshSession(fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis)): Promise<boolean> {
  if (inFlight) return inFlight
  const usedToken = session.refreshToken
  inFlight = (async () => {
    if (!usedToken) return false
    try {
      const res = await fetchImpl(`${absoluteBase()}/auth/refresh`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ refresh_token: usedToken }),
      })
      if (!res.ok) {
        // Another tab may have rotated the token meanwhile: use its result if it did.
        session.reload()
        if (session.refreshToken && session.refreshToken !== usedToken && session.expiresAt > Date.now()) return true
        return false
      }
      session.set((await res.json()) as TokenSet)
      return true
    } catch {
      return false
    }
  })().finally(() => {
    inFlight = null
  })
  return inFlight
}

function withAuth(req: Request): Request {
  const token = session.accessToken
  if (!token) return req
  req.headers.set('Authorization', `Bearer ${token}`)
  return req
}

/** fetch used by the typed client: bearer token, one silent refresh and retry on 401. */
export function createAuthFetch(fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis)) {
  return async function authFetch(input: Request): Promise<Response> {
    // a creating request carries an idempotency key, so the retry after a refresh cannot create twice
    if (input.method === 'POST' && !isAuthEndpoint(input.url) && !input.headers.has('Idempotency-Key')) {
      input.headers.set('Idempotency-Key', newKey())
    }
    const retry = input.clone()
    const sentToken = session.accessToken
    let res = await fetchImpl(withAuth(input))
    if (res.status === 401 && !isAuthEndpoint(input.url) && session.refreshToken) {
      // A parallel request may already have refreshed: retry directly with the new token.
      const ok = session.accessToken !== sentToken ? true : await refreshSession(fetchImpl)
      if (ok) {
        res = await fetchImpl(withAuth(retry))
        if (res.status === 401) session.expire()
      } else {
        session.expire()
      }
    } else if (res.status === 401 && !isAuthEndpoint(input.url) && sentToken) {
      session.expire()
    }
    return res
  }
}

/** The app's authenticated fetch (bearer token, silent refresh), shared by the typed client and file transfers. */
export const authFetch = createAuthFetch((input, init) => globalThis.fetch(input, init))

export const api = createClient<paths>({
  baseUrl: typeof window !== 'undefined' && window.location?.origin ? window.location.origin : 'http://localhost',
  fetch: authFetch,
})

type FetchResult<T> = { data?: T; error?: unknown; response: Response }

/** Returns the data of an openapi-fetch call or throws an ApiError with a readable message. */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<T> {
  let result: FetchResult<T>
  try {
    result = await call
  } catch (e) {
    if (e instanceof ApiError) throw e
    throw new ApiError(0, { detail: String(e) })
  }
  if (result.response.ok) return result.data as T
  const problem = (typeof result.error === 'object' && result.error !== null ? result.error : { detail: String(result.error ?? '') }) as Problem
  throw new ApiError(result.response.status, problem)
}

/** Like unwrap, also returning the ETag (for If-Match). */
export async function unwrapWithEtag<T>(call: Promise<FetchResult<T>>): Promise<{ data: T; etag: string | null }> {
  const result = await call.catch((e) => {
    throw e instanceof ApiError ? e : new ApiError(0, { detail: String(e) })
  })
  const data = await unwrap(Promise.resolve(result))
  return { data, etag: result.response.headers.get('ETag') }
}

export function ifMatch(version: number | string): string {
  const v = String(version)
  return v.startsWith('"') || v.startsWith('W/') ? v : `"${v}"`
}
