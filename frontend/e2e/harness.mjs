// The browser-test harness the domain test files share: the real backend on SQLite with the demo seed, Chromium,
// sign-in, API calls with the page's token, named steps that keep a screenshot when they fail, console errors.
import { it } from 'node:test'
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { startBackend } from './backend.mjs'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const PASSWORD = 'fupin-demo'
// a small valid JPEG (1×1 pixel)
export const JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////' +
    '2wBDAf//////////////////////////////////////////////////////////////////////////////////////wAARCAABAAEDASIAAhEBAxEB/8QAFAAB' +
    'AAAAAAAAAAAAAAAAAAAAA//EABQQAQAAAAAAAAAAAAAAAAAAAAD/xAAUAQEAAAAAAAAAAAAAAAAAAAAA/8QAFBEBAAAAAAAAAAAAAAAAAAAAAP/aAAwDAQACEQMRAD8AP//Z',
  'base64',
)

/** A session: `start()` (in a describe's `before`) starts the backend and the browser, `stop()` (in its `after`)
 * both; `name` names the screenshot folder (e2e/artifacts-<name>). The page and server are on it once started. */
export function browserSession(name, { households = 300 } = {}) {
  const artifacts = join(import.meta.dirname, `artifacts-${name}`)
  const session = { server: undefined, page: undefined, consoleErrors: [] }
  let browser
  let shot = 0

  session.screenshot = async (label) => {
    shot++
    const file = join(artifacts, `${String(shot).padStart(2, '0')}-${label}.png`)
    await session.page.screenshot({ path: file, fullPage: true })
  }
  session.login = async (username) => {
    const page = session.page
    await page.goto(`${session.server.base}/login`)
    await page.locator('input[name="username"]').fill(username)
    await page.locator('input[name="password"]').fill(PASSWORD)
    await page.locator('[data-test="login-submit"]').click()
    await page.locator('[data-test="user-info"]').waitFor()
  }
  /** Calls the API with the signed-in user's token (to check what the pages did). */
  session.api = async (method, path) =>
    session.page.evaluate(
      async ([m, p]) => {
        const s = JSON.parse(localStorage.getItem('fupin.session'))
        const r = await fetch(p, { method: m, headers: { Authorization: `Bearer ${s.access}` } })
        return r.json()
      },
      [method, path],
    )
  session.step = (label, fn) => {
    it(label, async () => {
      try {
        await fn()
      } catch (e) {
        await session.screenshot(`FAILED-${label.replace(/[^\w\u4e00-\u9fff]+/g, '-').slice(0, 40)}`).catch(() => undefined)
        throw e
      }
    })
  }

  session.start = async () => {
    rmSync(artifacts, { recursive: true, force: true })
    mkdirSync(artifacts, { recursive: true })
    session.server = await startBackend({ households })
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] })
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' })
    session.page = await context.newPage()
    session.page.setDefaultTimeout(Number(process.env.E2E_TIMEOUT_MS ?? 20000))
    session.page.on('console', (msg) => {
      if (msg.type() === 'error') session.consoleErrors.push(msg.text())
    })
    session.page.on('pageerror', (err) => session.consoleErrors.push(String(err)))
  }
  session.stop = async () => {
    await browser?.close()
    await session.server?.stop()
  }
  return session
}
