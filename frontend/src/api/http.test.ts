import { afterEach, describe, expect, it, vi } from 'vitest'
import { apiPath, download, filenameFromDisposition, queryString, send, sendJson } from './http'
import { ApiError } from './problem'
import { session } from './session'

describe('query strings', () => {
  it('leave empty values out and repeat lists', () => {
    expect(queryString({ a: 1, b: null, c: undefined, d: '', e: ['x', 'y'], f: true, g: [] })).toBe('a=1&e=x&e=y&f=true')
    expect(queryString({ q: '张 三' })).toBe('q=%E5%BC%A0+%E4%B8%89')
    expect(apiPath('/api/v1/x')).toBe('/api/v1/x')
    expect(apiPath('/api/v1/x', { a: 2 })).toBe('/api/v1/x?a=2')
  })
})

describe('Content-Disposition', () => {
  it('gives the file name, the UTF-8 one first', () => {
    expect(filenameFromDisposition('attachment; filename="households-20261201.csv"')).toBe('households-20261201.csv')
    expect(filenameFromDisposition('attachment; filename=report.xlsx')).toBe('report.xlsx')
    expect(filenameFromDisposition(`attachment; filename="x.xlsx"; filename*=UTF-8''%E5%AF%BC%E5%85%A5.xlsx`)).toBe('导入.xlsx')
    expect(filenameFromDisposition('inline')).toBeNull()
    expect(filenameFromDisposition(null)).toBeNull()
  })
})

describe('requests outside the typed client', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
    session.clear()
  })

  it('carry the bearer token and an idempotency key, and read problem+json refusals', async () => {
    session.set({ access_token: 'tok', refresh_token: 'r', expires_in: 900 })
    const seen: Request[] = []
    vi.stubGlobal(
      'fetch',
      vi.fn(async (input: Request) => {
        seen.push(input)
        if (input.url.includes('/big')) {
          return new Response(JSON.stringify({ status: 413, code: 'export.too_large', detail: '导出超过 100000 行，请使用后台导出 (use POST /api/v1/exports)' }), {
            status: 413,
            headers: { 'Content-Type': 'application/problem+json' },
          })
        }
        return new Response(JSON.stringify({ id: 'j1' }), { status: 202, headers: { 'Content-Type': 'application/json' } })
      }),
    )
    const form = new FormData()
    form.append('dry_run', 'true')
    expect(await sendJson('POST', '/api/v1/imports', { form })).toEqual({ id: 'j1' })
    expect(seen[0].headers.get('Authorization')).toBe('Bearer tok')
    expect(seen[0].headers.get('Idempotency-Key')).toBeTruthy()
    expect(seen[0].headers.get('Content-Type')).toMatch(/^multipart\/form-data; boundary=/)

    await sendJson('PATCH', '/api/v1/webhooks/w1', { json: { active: false } })
    expect(seen[1].headers.get('Content-Type')).toBe('application/json')
    expect(await seen[1].text()).toBe('{"active":false}')

    const refusal = await send('GET', '/api/v1/big').catch((e: unknown) => e)
    expect(refusal).toBeInstanceOf(ApiError)
    expect((refusal as ApiError).status).toBe(413)
    expect((refusal as ApiError).code).toBe('export.too_large')
    expect((refusal as ApiError).message).toBe('导出超过 100000 行，请使用后台导出')
  })

  it('save a download under the name the server gives', async () => {
    session.set({ access_token: 'tok', refresh_token: 'r', expires_in: 900 })
    vi.stubGlobal(
      'fetch',
      vi.fn(
        async () =>
          new Response(new Blob(['PK']), { status: 200, headers: { 'Content-Disposition': 'attachment; filename="households-20261201.xlsx"' } }),
      ),
    )
    const clicked: string[] = []
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.download)
    })
    const createURL = vi.fn(() => 'blob:x')
    const saved = { createObjectURL: URL.createObjectURL, revokeObjectURL: URL.revokeObjectURL }
    Object.assign(URL, { createObjectURL: createURL, revokeObjectURL: vi.fn() })
    expect(await download('/api/v1/households/export', { query: { format: 'xlsx' }, fallbackName: 'households.xlsx' })).toBe('households-20261201.xlsx')
    expect(clicked).toEqual(['households-20261201.xlsx'])
    expect(createURL).toHaveBeenCalledOnce()
    click.mockRestore()
    Object.assign(URL, saved)
  })
})
