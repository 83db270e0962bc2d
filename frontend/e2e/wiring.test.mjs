// Browser steps of the household page's assistance tabs: a township attaches a photo to a measure (帮扶措施 tab:
// thumbnail, download), lists a household's cadres and visits (帮扶干部与走访 tab) and pairs another cadre; an
// inspector sees both read-only.
import { after, before, describe } from 'node:test'
import assert from 'node:assert/strict'
import { browserSession, JPEG } from './harness.mjs'

const session = browserSession('wiring')
const { login, api, step, screenshot, consoleErrors } = session
let page
let server

describe('Measure evidence and the household cadres tab in Chromium', { concurrency: false }, () => {
  before(async () => {
    await session.start()
    ;({ page, server } = session)
  })
  after(() => session.stop())

  const state = {}

  function measureRow(content) {
    return page.locator('[data-test="household-measures"] .el-table__row', { hasText: content }).first()
  }

  step('a township attaches a photo to a measure on the household page and sees its thumbnail', async () => {
    await login('township')
    const planned = await api('GET', '/api/v1/measures?region=220382102000&status=planned&limit=50')
    state.measure = planned.items.find((m) => m.type !== 'health')
    assert.ok(state.measure, 'the demo seed has planned measures in the demo township')
    await page.goto(`${server.base}/households/${state.measure.household_id}?tab=measures`)
    const row = measureRow(state.measure.content)
    await row.waitFor()
    await row.locator('.el-table__expand-icon').click()
    const files = page.locator(`[data-test="measure-evidence-${state.measure.id}"]`)
    await files.locator('[data-test="evidence-upload"]').waitFor()
    await files.locator('[data-test="evidence-input"]').setInputFiles({ name: '验收照片.jpg', mimeType: 'image/jpeg', buffer: JPEG })
    await files.locator('[data-test="evidence-thumb"]').first().waitFor()
    await files.locator('[data-test="evidence-download"]').first().waitFor()
    await screenshot('measure-photo')
    const stored = await api('GET', `/api/v1/evidence?owner_type=measure&owner_id=${state.measure.id}`)
    assert.equal(stored.items.length, 1)
    assert.equal(stored.items[0].filename, '验收照片.jpg')
    assert.equal(stored.items[0].content_type, 'image/jpeg')
    const trail = await api('GET', `/api/v1/households/${state.measure.household_id}/audit-events?limit=200`)
    assert.ok(trail.items.some((e) => e.action === 'evidence.added'))
  })

  step('the 帮扶干部与走访 tab lists the pairings and visits, and pairs another cadre', async () => {
    const visited = await api('GET', '/api/v1/visits?limit=1')
    assert.ok(visited.items.length, 'the demo seed has visits')
    state.household = visited.items[0].household_id
    await page.goto(`${server.base}/households/${state.household}?tab=cadres`)
    const pairings = page.locator('[data-test="household-pairings"]')
    await pairings.waitFor()
    const expected = await api('GET', `/api/v1/households/${state.household}/cadres`)
    const visits = await api('GET', `/api/v1/households/${state.household}/visits?limit=20`)
    await page.locator('[data-test="household-visits"] .el-table__row').first().waitFor()
    assert.equal(await pairings.locator('.el-table__row').count(), expected.items.length)
    assert.equal(await page.locator('[data-test="household-visits"] .el-table__row').count(), visits.items.length)
    for (const p of expected.items) await pairings.getByText(p.cadre_name).first().waitFor()
    await page.locator('[data-test="household-visits"]').getByText(visits.items[0].content).first().waitFor()
    await page.locator('[data-test="household-visit-photos"]').first().click()
    await page.locator('[data-test="evidence-list"]').waitFor()
    await screenshot('household-cadres')
    const before = expected.items.filter((p) => p.kind === 'paired')
    await page.locator('[data-test="pair-cadre"]').click()
    const dialog = page.locator('[data-test="pair-dialog"]')
    await dialog.waitFor()
    await dialog.locator('[data-test="pair-cadre-select"]').click()
    const current = before.find((p) => p.current)
    const options = page.locator('.el-select-dropdown:visible .el-select-dropdown__item')
    await options.first().waitFor()
    await page.waitForTimeout(150)
    const count = await options.count()
    let chosen = null
    for (let i = 0; i < count; i++) {
      const text = await options.nth(i).innerText()
      if (!current || !text.startsWith(`${current.cadre_name} ·`)) {
        chosen = text
        await options.nth(i).click()
        break
      }
    }
    assert.ok(chosen, 'another paired cadre is offered')
    await dialog.locator('[data-test="pair-save"]').click()
    await dialog.waitFor({ state: 'hidden' })
    const after = await api('GET', `/api/v1/households/${state.household}/cadres`)
    const paired = after.items.filter((p) => p.kind === 'paired')
    assert.equal(paired.length, before.length + 1)
    assert.equal(paired.filter((p) => p.current).length, 1)
    assert.equal(`${paired.find((p) => p.current).cadre_name} · ${paired.find((p) => p.current).work_unit}`, chosen)
    await pairings.locator('.el-table__row').nth(after.items.length - 1).waitFor()
    assert.equal(await pairings.locator('.el-table__row').count(), after.items.length)
    await screenshot('household-paired')
  })

  step('an inspector sees both tabs read-only', async () => {
    await login('inspector')
    await page.goto(`${server.base}/households/${state.household}?tab=cadres`)
    await page.locator('[data-test="household-visits"] .el-table__row').first().waitFor()
    assert.equal(await page.locator('[data-test="pair-cadre"]').count(), 0)
    await page.goto(`${server.base}/households/${state.measure.household_id}?tab=measures`)
    const row = measureRow(state.measure.content)
    await row.waitFor()
    await row.locator('.el-table__expand-icon').click()
    const files = page.locator(`[data-test="measure-evidence-${state.measure.id}"]`)
    await files.locator('[data-test="evidence-thumb"]').first().waitFor()
    assert.equal(await files.locator('[data-test="evidence-upload"]').count(), 0)
    assert.equal(await page.locator('[data-test="measure-add"]').count(), 0)
    await screenshot('inspector-read-only')
  })

  step('leaves no errors in the browser console', async () => {
    assert.deepEqual(consoleErrors.filter((e) => !/favicon/.test(e)), [])
  })
})
