// Browser steps of the failure views (帮扶短板): a township reads "never visited by the first secretary" of the demo
// village; the village's first secretary (login `cadre`) logs a visit with a photo to one of those households; the
// township sees the household leave the view, the page's count equal to the API's.
import { after, before, describe } from 'node:test'
import assert from 'node:assert/strict'
import { browserSession, JPEG } from './harness.mjs'

const session = browserSession('views')
const { login, api, step, screenshot, consoleErrors } = session
let page
let server


const VIEW = 'households-never-visited-by-first-secretary'
const DEMO_VILLAGE = '220382102201'

/** Opens the failure views page on the "never visited by the first secretary" tab of the demo village and reads
 *  the count it shows. */
async function shownCount() {
  await page.goto(`${server.base}/views?view=${VIEW}&region=${DEMO_VILLAGE}`)
  await page.locator('[data-test="view-table"]').waitFor()
  await page.locator('[data-test="view-count"]').waitFor()
  await page.waitForFunction(() => !document.querySelector('[data-test="view-table"] .el-loading-mask'))
  return Number((await page.locator('[data-test="view-count"]').innerText()).trim())
}

async function viewRows() {
  const out = []
  let cursor = null
  for (let i = 0; i < 50; i++) {
    const q = `region=${DEMO_VILLAGE}&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}&include_total=true`
    const page_ = await api('GET', `/api/v1/views/${VIEW}?${q}`)
    out.push(...page_.items)
    if (i === 0) out.total = page_.total
    cursor = page_.next_cursor
    if (!cursor) break
  }
  return out
}

describe('Failure views in Chromium', { concurrency: false }, () => {
  before(async () => {
    await session.start()
    ;({ page, server } = session)
  })
  after(() => session.stop())

  const state = {}

  step('a township opens 帮扶短板 from the menu: a tab per view, the count is the API\'s', async () => {
    await login('township')
    await page.locator('[data-test="menu-failure-views"]').click()
    await page.locator('[data-test="view-tabs"]').waitFor()
    for (const name of ['无帮扶措施户', '未走访户', '第一书记未走访户', '驻村天数不足', '逾期措施', '措施覆盖率', '部门工作量']) {
      await page.getByRole('tab', { name, exact: true }).waitFor()
    }
    await page.getByRole('tab', { name: '第一书记未走访户' }).click()
    state.before = await shownCount()
    const rows = await viewRows()
    assert.equal(state.before, rows.total)
    assert.equal(rows.length, rows.total)
    await screenshot('never-visited-before')
  })

  step('the first secretary logs a visit with a photo to an assigned household of that view', async () => {
    const township = await viewRows()
    await login('cadre')
    await page.goto(`${server.base}/cadres`)
    await page.locator('[data-test="cadre-table"]').waitFor()
    await page.locator('[data-test="own-cadre"]').click()
    await page.locator('[data-test="cadre-title"]').waitFor()
    state.cadreId = page.url().split('/').pop()
    const listed = township.filter((r) => r.first_secretary_id === state.cadreId)
    assert.ok(listed.length > 0, 'the demo village lists households its first secretary never visited')
    await page.locator('[data-test="visit-new"]').click()
    const dialog = page.locator('[data-test="visit-dialog"]')
    await dialog.waitFor()
    await dialog.locator('[data-test="visit-household"]').click()
    const options = page.locator('.el-select-dropdown:visible .el-select-dropdown__item')
    await options.first().waitFor()
    await page.waitForTimeout(150)
    const labels = await options.allInnerTexts()
    const target = listed.find((r) => labels.some((l) => l.startsWith(r.household_number)))
    assert.ok(target, 'one of them is among the households the secretary may visit')
    state.household = target
    await options.filter({ hasText: target.household_number }).first().click()
    await dialog.locator('[data-test="visit-content"]').fill('第一书记入户走访（帮扶短板浏览器测试）')
    await dialog.locator('[data-test="visit-save"]').click()
    await dialog.locator('[data-test="visit-saved"]').waitFor()
    await dialog.locator('[data-test="evidence-input"]').setInputFiles({ name: '走访照片.jpg', mimeType: 'image/jpeg', buffer: JPEG })
    await dialog.locator('[data-test="evidence-thumb"]').first().waitFor()
    await dialog.locator('[data-test="visit-done"]').click()
    await page.locator('[data-test="visit-table"]').getByText('帮扶短板浏览器测试').waitFor()
    await screenshot('visit-logged')
  })

  step('the township sees the household leave the view: the count is one less and the API\'s', async () => {
    await login('township')
    const after = await shownCount()
    const rows = await viewRows()
    assert.equal(after, state.before - 1)
    assert.equal(after, rows.total)
    assert.ok(!rows.some((r) => r.id === state.household.id))
    await screenshot('never-visited-after')
  })

  step('exports the view as XLSX', async () => {
    const download = page.waitForEvent('download')
    await page.locator('[data-test="view-export"]').click()
    const file = await download
    assert.match(file.suggestedFilename(), /\.xlsx$/)
  })

  step('leaves no errors in the browser console', async () => {
    assert.deepEqual(consoleErrors.filter((e) => !/favicon/.test(e)), [])
  })
})
