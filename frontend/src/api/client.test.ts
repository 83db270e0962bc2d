import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAuthFetch, ifMatch, refreshSession } from './client'
import { session } from './session'

const BASE = 'http://localhost/api/v1'

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

/** A fake server: access tokens "a1", "a2", ...; refresh tokens rotate "r1" → "r2" and reuse fails. */
function fakeServer(opts: { refreshFails?: boolean } = {}) {
  let access = 'a1'
  let refresh = 'r1'
  const calls = { refresh: 0, api: [] as string[], keys: [] as (string | null)[] }
  const impl = vi.fn(async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const req = input instanceof Request ? input : new Request(String(input), init)
    if (req.url.endsWith('/auth/refresh')) {
      calls.refresh++
      await new Promise((r) => setTimeout(r, 5))
      const body = (await req.json()) as { refresh_token: string }
      if (opts.refreshFails || body.refresh_token !== refresh) return json(401, { code: 'auth.invalid_refresh_token' })
      access = `a${calls.refresh + 1}`
      refresh = `r${calls.refresh + 1}`
      return json(200, { access_token: access, refresh_token: refresh, expires_in: 900, token_type: 'bearer' })
    }
    const auth = req.headers.get('Authorization')
    calls.api.push(`${req.method} ${new URL(req.url).pathname} ${auth}`)
    if (req.method === 'POST') calls.keys.push(req.headers.get('Idempotency-Key'))
    if (auth !== `Bearer ${access}`) return json(401, { code: 'unauthorized' })
    return json(200, { ok: true, body: req.method === 'POST' ? await req.text() : null })
  })
  return {
    impl: impl as unknown as typeof fetch,
    calls,
    expireAccess() {
      access = 'rotated-by-server'
    },
  }
}

describe('authenticated fetch', () => {
  beforeEach(() => {
    localStorage.clear()
    session.set({ access_token: 'a1', refresh_token: 'r1', expires_in: 900 })
  })
  afterEach(() => session.clear())

  it('sends the bearer token', async () => {
    const server = fakeServer()
    const res = await createAuthFetch(server.impl)(new Request(`${BASE}/me`))
    expect(res.status).toBe(200)
    expect(server.calls.api).toEqual(['GET /api/v1/me Bearer a1'])
  })

  it('refreshes once for concurrent 401s and retries each request with its body', async () => {
    const server = fakeServer()
    server.expireAccess()
    const f = createAuthFetch(server.impl)
    const [r1, r2, r3] = await Promise.all([
      f(new Request(`${BASE}/households`)),
      f(new Request(`${BASE}/me`)),
      f(new Request(`${BASE}/households`, { method: 'POST', body: '{"x":1}', headers: { 'Content-Type': 'application/json' } })),
    ])
    expect(server.calls.refresh).toBe(1)
    expect([r1.status, r2.status, r3.status]).toEqual([200, 200, 200])
    expect(((await r3.json()) as { body: string }).body).toBe('{"x":1}')
    // the POST was sent twice (401, then retried) with the same idempotency key
    expect(server.calls.keys).toHaveLength(2)
    expect(server.calls.keys[0]).toBeTruthy()
    expect(server.calls.keys[1]).toBe(server.calls.keys[0])
    expect(session.refreshToken).toBe('r2')
    expect(session.accessToken).toBe('a2')
  })

  it('expires the session when the refresh token is rejected', async () => {
    const server = fakeServer({ refreshFails: true })
    server.expireAccess()
    const expired = vi.fn()
    const off = session.onExpired(expired)
    const res = await createAuthFetch(server.impl)(new Request(`${BASE}/me`))
    off()
    expect(res.status).toBe(401)
    expect(expired).toHaveBeenCalledTimes(1)
    expect(session.active).toBe(false)
  })

  it('never refreshes for the login request itself', async () => {
    const server = fakeServer()
    server.expireAccess()
    const res = await createAuthFetch(server.impl)(new Request(`${BASE}/auth/token`, { method: 'POST', body: 'username=x' }))
    expect(res.status).toBe(401)
    expect(server.calls.refresh).toBe(0)
  })

  it('shares one refresh between direct callers', async () => {
    const server = fakeServer()
    const results = await Promise.all([refreshSession(server.impl), refreshSession(server.impl)])
    expect(results).toEqual([true, true])
    expect(server.calls.refresh).toBe(1)
  })
})

describe('ifMatch', () => {
  it('quotes a version as an entity tag', () => {
    expect(ifMatch(3)).toBe('"3"')
    expect(ifMatch('"3"')).toBe('"3"')
    expect(ifMatch('W/"3"')).toBe('W/"3"')
  })
})
