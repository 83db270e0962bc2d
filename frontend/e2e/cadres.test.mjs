// Browser steps of assistance on record: the demo village's first secretary (login `cadre`) logs a visit with a
// photo from its own cadre page; the photo shows as a thumbnail and the visit counts it.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { startBackend } from './backend.mjs'

const ARTIFACTS = join(import.meta.dirname, 'artifacts-cadres')
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const PASSWORD = 'fupin-demo'
// a small valid JPEG (1×1 pixel)
const JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////' +
    '2wBDAf//////////////////////////////////////////////////////////////////////////////////////wAARCAABAAEDASIAAhEBAxEB/8QAFAAB' +
    'AAAAAAAAAAAAAAAAAAAAA//EABQQAQAAAAAAAAAAAAAAAAAAAAD/xAAUAQEAAAAAAAAAAAAAAAAAAAAA/8QAFBEBAAAAAAAAAAAAAAAAAAAAAP/aAAwDAQACEQMRAD8AP//Z',
  'base64',
)

let server
let browser
let page
let shot = 0
const consoleErrors = []

async function screenshot(name) {
  shot++
  await page.screenshot({ path: join(ARTIFACTS, `${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true })
}

async function login(username) {
  await page.goto(`${server.base}/login`)
  await page.locator('input[name="username"]').fill(username)
  await page.locator('input[name="password"]').fill(PASSWORD)
  await page.locator('[data-test="login-submit"]').click()
  await page.locator('[data-test="user-info"]').waitFor()
}

/** Calls the API with the signed-in user's token (to check what the pages did). */
async function api(method, path) {
  return page.evaluate(
    async ([m, p]) => {
      const s = JSON.parse(localStorage.getItem('fupin.session'))
      const r = await fetch(p, { method: m, headers: { Authorization: `Bearer ${s.access}` } })
      return r.json()
    },
    [method, path],
  )
}

function step(name, fn) {
  it(name, async () => {
    try {
      await fn()
    } catch (e) {
      await screenshot(`FAILED-${name.replace(/[^\w\u4e00-\u9fff]+/g, '-').slice(0, 40)}`).catch(() => undefined)
      throw e
    }
  })
}

describe('Cadres and visits in Chromium', { concurrency: false }, () => {
  before(async () => {
    rmSync(ARTIFACTS, { recursive: true, force: true })
    mkdirSync(ARTIFACTS, { recursive: true })
    server = await startBackend({ households: 300 })
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] })
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' })
    page = await context.newPage()
    page.setDefaultTimeout(Number(process.env.E2E_TIMEOUT_MS ?? 20000))
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text())
    })
    page.on('pageerror', (err) => consoleErrors.push(String(err)))
  })

  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  const state = {}

  step('the first secretary opens its own cadre page from the cadre list', async () => {
    await login('cadre')
    await page.goto(`${server.base}/cadres`)
    await page.locator('[data-test="cadre-table"]').waitFor()
    await page.locator('[data-test="own-cadre"]').click()
    await page.locator('[data-test="cadre-title"]').waitFor()
    assert.match(await page.locator('[data-test="cadre-title"]').innerText(), /第一书记/)
    state.cadreId = page.url().split('/').pop()
    const me = await api('GET', '/api/v1/me')
    assert.equal(me.cadre_id, state.cadreId)
    await screenshot('cadre-page')
  })

  step('logs a visit to a household of its village and attaches a photo', async () => {
    const before = await api('GET', `/api/v1/visits?cadre_id=${state.cadreId}&limit=200`)
    await page.locator('[data-test="visit-new"]').click()
    const dialog = page.locator('[data-test="visit-dialog"]')
    await dialog.waitFor()
    await dialog.locator('[data-test="visit-household"]').click()
    const option = page.locator('.el-select-dropdown:visible .el-select-dropdown__item').first()
    await option.waitFor()
    await page.waitForTimeout(150)
    await option.click()
    await dialog.locator('[data-test="visit-content"]').fill('入户走访，了解春耕和务工情况（浏览器测试）')
    await dialog.locator('[data-test="visit-save"]').click()
    await dialog.locator('[data-test="visit-saved"]').waitFor()
    await dialog.locator('[data-test="evidence-input"]').setInputFiles({ name: '走访照片.jpg', mimeType: 'image/jpeg', buffer: JPEG })
    await dialog.locator('[data-test="evidence-thumb"]').first().waitFor()
    await screenshot('visit-photo')
    await dialog.locator('[data-test="visit-done"]').click()
    await page.locator('[data-test="visit-table"]').getByText('浏览器测试').waitFor()
    const after = await api('GET', `/api/v1/visits?cadre_id=${state.cadreId}&limit=200`)
    assert.equal(after.items.length, before.items.length + 1)
    const mine = after.items.find((v) => v.content.includes('浏览器测试'))
    assert.equal(mine.evidence_count, 1)
    const files = await api('GET', `/api/v1/evidence?owner_type=visit&owner_id=${mine.id}`)
    assert.equal(files.items.length, 1)
    assert.equal(files.items[0].content_type, 'image/jpeg')
    assert.equal(files.items[0].filename, '走访照片.jpg')
  })

  step('shows its residency days against the 200-day requirement', async () => {
    await page.getByRole('tab', { name: '驻村天数' }).click()
    await page.locator('[data-test="residency-status"]').waitFor()
    await page.locator('[data-test="residency-counted"]').waitFor()
    await screenshot('residency')
  })

  step('leaves no errors in the browser console', async () => {
    assert.deepEqual(consoleErrors.filter((e) => !/favicon/.test(e)), [])
  })
})
