// Browser steps of the assessment (考核排名): the city office opens the frozen demo period's township ranking and its
// bottom three (末位, red), drills down into a township (the total and every indicator's numerator, denominator and
// points are the API's), opens an indicator's records (as many rows as the API counts, each leading to its
// household); a township office reads the ranking without 计算/冻结; the city office computes the year's period and
// sees the job finish; the indicator editor refuses a negative weight and a floor above the target at their fields.
import { after, before, describe } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { browserSession } from './harness.mjs'

const session = browserSession('assessment', { households: 200 })
const { login, api, step, screenshot, consoleErrors } = session
let page
let server

async function pick(select, text) {
  await select.click()
  const option = page.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: text }).first()
  await option.waitFor()
  await page.waitForTimeout(150)
  await option.click()
}

async function logout() {
  await page.locator('[data-test="logout"]').click()
  await page.locator('[data-test="login-submit"]').waitFor()
}

/** The text input of a field, wherever the component puts its data-test (the input itself or a wrapper). */
const inputOf = (test) => `[data-test="${test}"] >> xpath=(self::input | self::textarea | .//input | .//textarea)`

const texts = async (locator) => (await locator.allInnerTexts()).map((s) => s.trim())

/** Every page of a ranking level, through the API. */
async function wholeRanking(period, level) {
  const first = await api('GET', `/api/v1/assessments/${period}/rankings?level=${level}&limit=500`)
  const items = [...first.items]
  while (items.length < first.total) items.push(...(await api('GET', `/api/v1/assessments/${period}/rankings?level=${level}&limit=500&offset=${items.length}`)).items)
  return { ...first, items }
}

describe('Assessment ranking in Chromium', { concurrency: false }, () => {
  before(async () => {
    await session.start()
    ;({ page, server } = session)
    page.on('response', (r) => {
      if (r.status() >= 400) refused.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`)
    })
  })
  after(() => session.stop())

  const state = {}
  /** every refused request: only the editor's two refused saves are expected */
  const refused = []

  step('the city office opens the frozen period: the township ranking, best first, and its bottom three in red', async () => {
    await login('city_office')
    const periods = (await api('GET', '/api/v1/assessments')).items
    state.frozen = periods.find((p) => p.state === 'frozen')
    state.computed = periods.find((p) => p.state === 'computed')
    assert.ok(state.frozen && state.computed, 'the demo seed has a frozen and a computed period')
    await page.locator('[data-test="menu-assessment"]').click()
    await page.locator('[data-test="ranking-table"] .el-table__row').first().waitFor()
    // the frozen period is shown first
    await page.locator('[data-test="period-state"]', { hasText: '已冻结' }).waitFor()
    assert.match(await page.locator('[data-test="period-select"]').innerText(), new RegExp(state.frozen.name))

    const whole = await wholeRanking(state.frozen.period, 'township')
    assert.ok(whole.total > 3)
    const shown = Math.min(50, whole.total)
    assert.equal(await page.locator('[data-test="ranking-table"] .el-table__row').count(), shown)
    assert.deepEqual(await texts(page.locator('[data-test="ranking-unit"]')), whole.items.slice(0, shown).map((i) => i.region_name))
    assert.deepEqual(await texts(page.locator('[data-test="ranking-score"]')), whole.items.slice(0, shown).map((i) => i.score))
    assert.deepEqual(await texts(page.locator('[data-test="ranking-rank"]')), whole.items.slice(0, shown).map((i) => String(i.rank)))
    // the bottom three of the level (a tie at the boundary flags everyone sharing it)
    const bottom = whole.items.filter((i) => i.bottom_three)
    assert.ok(bottom.length >= 3)
    const listed = await texts(page.locator('[data-test="bottom-three"] [data-test="bottom-unit"] a'))
    assert.deepEqual(listed, bottom.slice(-50).map((i) => i.region_name))
    state.unit = bottom[bottom.length - 1]
    await screenshot('township-ranking')

    // the last page: the flagged rows are red and tagged 末位
    await page.locator('[data-test="ranking-pager"] .el-pager li').last().click()
    const offset = Math.floor((whole.total - 1) / 50) * 50
    const last = whole.items.slice(offset)
    await page.locator('[data-test="ranking-unit"]', { hasText: last[0].region_name }).first().waitFor()
    assert.equal(await page.locator('[data-test="ranking-table"] .el-table__row').count(), last.length)
    assert.equal(await page.locator('[data-test="ranking-table"] .el-table__row.bottom-three').count(), last.filter((i) => i.bottom_three).length)
    assert.equal(await page.locator('[data-test="bottom-flag"]').count(), last.filter((i) => i.bottom_three).length)
    const lastRow = page.locator('[data-test="ranking-table"] .el-table__row').last()
    assert.equal(await lastRow.locator('[data-test="bottom-flag"]').innerText(), '末位')
    const colour = await lastRow.locator('td').first().evaluate((td) => getComputedStyle(td).color)
    assert.match(colour, /rgb\(245, 108, 108\)|rgb\(2[0-9]{2}, [0-9]{1,3}, [0-9]{1,3}\)/)
    await screenshot('township-ranking-bottom')
  })

  step('the ranking downloads as an Excel file with every unit of the level', async () => {
    const whole = await wholeRanking(state.frozen.period, 'township')
    await page.locator('[data-test="ranking-export"] button').click()
    const [download, response] = await Promise.all([
      page.waitForEvent('download'),
      page.waitForResponse((r) => r.url().includes('/rankings/export')),
      page.locator('[data-test="ranking-export-xlsx"]').click(),
    ])
    assert.equal(response.status(), 200)
    assert.equal(response.headers()['x-fupin-export-rows'], String(whole.total))
    assert.match(download.suggestedFilename(), /\.xlsx$/)
    assert.equal(readFileSync(await download.path()).subarray(0, 2).toString('latin1'), 'PK') // a zip: XLSX
  })

  step('the drill-down of a township shows the API figures: total, rank, each indicator', async () => {
    await page.locator('[data-test="ranking-unit"]', { hasText: state.unit.region_name }).last().click()
    await page.locator('[data-test="score-total"]').waitFor()
    const score = await api('GET', `/api/v1/assessments/${state.frozen.period}/scores/${state.unit.region_code}`)
    state.score = score
    assert.equal(await page.locator('[data-test="score-unit"]').innerText(), score.region_name)
    assert.equal(await page.locator('[data-test="score-total"]').innerText(), score.score)
    assert.equal((await page.locator('[data-test="score-rank"]').innerText()).replace(/\s+/g, ''), `${score.rank}/${score.ranked}`)
    await page.locator('[data-test="score-bottom"]').waitFor()
    // indicators in dimension order; each figure as the API counts it
    const order = ['减贫成效', '精准识别', '精准帮扶', '扶贫资金']
    const items = [...score.items].sort((a, b) => order.indexOf(a.dimension) - order.indexOf(b.dimension))
    assert.deepEqual((await texts(page.locator('[data-test="item-numerator"]'))).map(Number), items.map((i) => i.numerator))
    assert.deepEqual((await texts(page.locator('[data-test="item-denominator"]'))).map(Number), items.map((i) => i.denominator))
    assert.deepEqual((await texts(page.locator('[data-test="item-count"]'))).map(Number), items.map((i) => i.count))
    assert.deepEqual(await texts(page.locator('[data-test="item-points"]')), items.map((i) => i.score))
    assert.deepEqual(await texts(page.locator('[data-test="item-explanation"]')), items.map((i) => i.explanation))
    // the points of the indicators add up to the total
    const sum = items.reduce((s, i) => s + Math.round(Number(i.score) * 100), 0)
    assert.equal(sum, Math.round(Number(score.score) * 100))
    for (const [dimension, points] of Object.entries(score.dimensions)) {
      await page.locator('[data-test="score-dimension"]', { hasText: dimension }).locator('[data-test="dimension-points"]', { hasText: points }).waitFor()
    }
    await screenshot('township-score')
  })

  step('an indicator opens the records behind it: as many rows as the API has, each leading to its household', async () => {
    // the household indicator the unit lost most records on
    const candidates = state.score.items.filter((i) => i.metric === 'visit_coverage' || i.metric === 'measure_coverage' || i.metric === 'register_completeness')
    const item = candidates.sort((a, b) => b.denominator - b.numerator - (a.denominator - a.numerator))[0]
    assert.ok(item.denominator > item.numerator, 'the unit lost points on a household indicator')
    await page.locator(`[data-test="indicator-${item.code}"]`).click()
    const records = page.locator('[data-test="indicator-records"]')
    await records.locator('[data-test="records-table"] .el-table__row').first().waitFor()
    await records.locator('[data-test="records-frozen"]', { hasText: '冻结时保存的记录' }).waitFor()
    const first = await api('GET', `/api/v1/assessments/${state.frozen.period}/scores/${state.unit.region_code}/records?indicator=${item.code}&limit=50`)
    assert.equal(first.total, item.denominator - item.numerator, 'the records are the shortfall of the figure')
    while (await records.locator('[data-test="records-more"]').count()) {
      const before = await records.locator('[data-test="records-table"] .el-table__row').count()
      await records.locator('[data-test="records-more"]').click()
      await page.waitForFunction(
        ([n]) => document.querySelectorAll('[data-test="records-table"] .el-table__row').length > n,
        [before],
      )
    }
    assert.equal(await records.locator('[data-test="records-table"] .el-table__row').count(), first.total)
    assert.match(await records.locator('[data-test="records-total"]').innerText(), new RegExp(`共 ${first.total} 条`))
    assert.deepEqual((await texts(records.locator('[data-test="record-link"]'))).slice(0, first.items.length), first.items.map((r) => r.label))
    await screenshot('indicator-records')
    await records.locator('[data-test="record-link"]').first().click()
    await page.waitForURL(`**/households/${first.items[0].household_id}**`)
    await page.goBack()
    await page.locator('[data-test="indicator-records"] [data-test="records-table"] .el-table__row').first().waitFor()
  })

  step('a township office reads the ranking of its area without 计算 or 冻结', async () => {
    await logout()
    await login('township')
    await page.locator('[data-test="menu-assessment"]').click()
    await page.locator('[data-test="ranking-table"] .el-table__row').first().waitFor()
    const own = await api('GET', `/api/v1/assessments/${state.frozen.period}/rankings?level=township`)
    assert.equal(await page.locator('[data-test="ranking-table"] .el-table__row').count(), own.total)
    assert.deepEqual(await texts(page.locator('[data-test="ranking-unit"]')), own.items.map((i) => i.region_name))
    assert.equal(await page.locator('[data-test="assessment-compute"]').count(), 0)
    assert.equal(await page.locator('[data-test="assessment-freeze"]').count(), 0)
    assert.equal(await page.locator('[data-test="period-new"]').count(), 0)
    // the computed period too: read-only
    await pick(page.locator('[data-test="period-select"]'), state.computed.name)
    await page.locator('[data-test="period-state"]', { hasText: '已计算' }).waitFor()
    await page.locator('[data-test="ranking-table"] .el-table__row').first().waitFor()
    assert.equal(await page.locator('[data-test="assessment-compute"]').count(), 0)
    assert.equal(await page.locator('[data-test="assessment-freeze"]').count(), 0)
    await page.locator('[data-test="level-village"]').click()
    const villages = await api('GET', `/api/v1/assessments/${state.computed.period}/rankings?level=village`)
    await page.waitForFunction(([n]) => document.querySelectorAll('[data-test="ranking-table"] .el-table__row').length === n, [villages.items.length])
    // the villages of the township with nothing to assess are listed as not ranked
    const all = (await api('GET', `/api/v1/regions?parent=${own.items[0].region_code}`)).items
    const ranked = new Set(villages.items.map((i) => i.region_code))
    await page.locator('[data-test="show-unranked"]').click()
    await page.locator('[data-test="unranked"]').waitFor()
    assert.deepEqual(
      (await texts(page.locator('[data-test="unranked-unit"]'))).sort(),
      all.filter((r) => !ranked.has(r.code)).map((r) => `${r.name}（${own.items[0].region_name}） · 未参与排名`).sort(),
    )
    await screenshot('township-read-only')
  })

  step('the city office computes the year period and sees the job finish', async () => {
    await logout()
    await login('city_office')
    await page.goto(`${server.base}/assessment?period=${state.computed.period}`)
    await page.locator('[data-test="period-state"]', { hasText: '已计算' }).waitFor()
    await page.locator('[data-test="assessment-freeze"]').waitFor()
    const before = await api('GET', `/api/v1/assessments/${state.computed.period}`)
    await page.locator('[data-test="assessment-compute"]').click()
    await page.locator('[data-test="assessment-job"]').waitFor()
    await page.locator('[data-test="assessment-job"] [data-test="job-state"]', { hasText: '已完成' }).waitFor({ timeout: 60_000 })
    const report = await page.locator('[data-test="assessment-job-report"]').innerText()
    const after = await api('GET', `/api/v1/assessments/${state.computed.period}`)
    assert.equal(after.state, 'computed')
    assert.ok(after.computed_at > before.computed_at, 'the period was computed again')
    const townships = await api('GET', `/api/v1/assessments/${state.computed.period}/rankings?level=township&limit=1`)
    assert.match(report, new RegExp(`乡镇 ${townships.total} 个`))
    await page.locator('[data-test="ranking-table"] .el-table__row').first().waitFor()
    await screenshot('computed')
    // the villages of the city with nothing to assess are listed as not ranked: with the ranked ones, every village
    const villages = await wholeRanking(state.computed.period, 'village')
    const all = []
    let level = (await api('GET', '/api/v1/regions')).items
    while (level.length && level[0].level < 5) {
      const next = []
      for (const r of level) next.push(...(await api('GET', `/api/v1/regions?parent=${r.code}`)).items)
      level = next
    }
    all.push(...level)
    const ranked = new Set(villages.items.map((i) => i.region_code))
    const expected = all.filter((r) => !ranked.has(r.code))
    assert.ok(expected.length > 0, 'some demo villages have nothing to assess')
    await page.locator('[data-test="level-village"]').click()
    await page.locator('[data-test="ranking-count"]', { hasText: `共 ${villages.total} 个` }).waitFor()
    await page.locator('[data-test="show-unranked"]').click()
    await page.locator('[data-test="unranked"]').waitFor({ timeout: 60_000 })
    assert.equal(await page.locator('[data-test="unranked-unit"]').count(), expected.length)
    assert.match(await page.locator('[data-test="unranked"]').innerText(), new RegExp(`未参与排名的单位 ${expected.length} 个`))
    await screenshot('villages-not-ranked')
    await page.locator('[data-test="level-township"]').click()
    await page.locator('[data-test="ranking-count"]', { hasText: '乡镇' }).waitFor()
    // freezing asks first and says it cannot be undone; cancelled here, the period stays computed
    await page.locator('[data-test="assessment-freeze"]').click()
    const dialog = page.locator('[data-test="freeze-dialog"]')
    await dialog.waitFor()
    assert.match(await dialog.innerText(), /不可撤销/)
    assert.equal(await dialog.locator('[data-test="freeze-confirm"]').isDisabled(), true)
    await screenshot('freeze-confirm')
    await dialog.getByRole('button', { name: '取消' }).click()
    await dialog.waitFor({ state: 'hidden' })
    assert.equal((await api('GET', `/api/v1/assessments/${state.computed.period}`)).state, 'computed')
  })

  step('the indicator editor refuses a negative weight and a floor above the target, at the fields', async () => {
    await page.locator('[data-test="menu-assessment-indicators"]').click()
    await page.locator('[data-test="indicator-table"] .el-table__row').first().waitFor()
    const year = new Date().getFullYear()
    const set = await api('GET', `/api/v1/assessment-indicator-sets/${year}`)
    assert.equal(await page.locator('[data-test="indicator-table"] .el-table__row').count(), set.indicators.length)
    assert.equal(await page.locator('[data-test="indicator-set-name"]').innerText(), set.name)
    await page.locator('[data-test="indicator-edit"]').click()
    const editor = page.locator('[data-test="indicator-editor"]')
    await editor.waitFor()
    await editor.locator(inputOf('indicator-weight-0')).fill('-5')
    await editor.locator('[data-test="indicator-save"]').click()
    const weightError = editor.locator('.el-form-item', { has: page.locator('[data-test="indicator-weight-0"]') }).locator('.el-form-item__error')
    await weightError.waitFor()
    assert.match(await weightError.innerText(), /数值过小/)
    await screenshot('indicator-negative-weight')
    await editor.locator(inputOf('indicator-weight-0')).fill(set.indicators[0].weight)
    const ratio = set.indicators.findIndex((i) => i.rule === 'ratio')
    await editor.locator(inputOf(`indicator-floor-${ratio}`)).fill('0.9')
    await editor.locator(inputOf(`indicator-target-${ratio}`)).fill('0.8')
    await editor.locator('[data-test="indicator-save"]').click()
    const floorError = editor.locator('.el-form-item', { has: page.locator(`[data-test="indicator-floor-${ratio}"]`) }).locator('.el-form-item__error')
    await floorError.waitFor()
    assert.match(await floorError.innerText(), /不得分线须低于满分线/)
    await weightError.waitFor({ state: 'detached' })
    await screenshot('indicator-floor-error')
    // nothing was stored
    const unchanged = await api('GET', `/api/v1/assessment-indicator-sets/${year}`)
    assert.deepEqual(unchanged, set)
  })

  step('no console errors; the only refusals are the two bad saves (and stale calls at sign-out)', async () => {
    // the browser logs each refused request as "Failed to load resource": those are checked one by one below
    assert.deepEqual(consoleErrors.filter((e) => !/Failed to load resource/.test(e)), [])
    assert.deepEqual(
      refused.filter((r) => !r.startsWith('401 GET ')),
      ['422 PUT /api/v1/assessment-indicator-sets/' + new Date().getFullYear(), '422 PUT /api/v1/assessment-indicator-sets/' + new Date().getFullYear()],
    )
    assert.equal(consoleErrors.length, refused.length)
  })
})
