// Browser steps of assistance on record: the demo village's first secretary (login `cadre`) logs a visit with a
// photo from its own cadre page; the photo shows as a thumbnail and the visit counts it.
import { after, before, describe } from 'node:test'
import assert from 'node:assert/strict'
import { browserSession, JPEG } from './harness.mjs'

const session = browserSession('cadres')
const { login, api, step, screenshot, consoleErrors } = session
let page
let server

describe('Cadres and visits in Chromium', { concurrency: false }, () => {
  before(async () => {
    await session.start()
    ;({ page, server } = session)
  })
  after(() => session.stop())

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
