// Browser steps of the project library (项目库): a township declares a project (a date error shows beside its field),
// adds a performance target and reports an actual, reviews it; the county approves it, enters it into the library
// and starts it, records an allocation, is refused a payment over it (the dialog shows the figures), records a
// payment and its correction (冲正); a milestone due in the past turns the project overdue (逾期, red) in the list;
// the overview and the fund anomalies pages load with the data; a household is linked as beneficiary and unlinked.
// The project's and a target's fields are edited (a field error beside its field, a change by someone else
// meanwhile is said so); a stage move carries a file uploaded in its dialog; a 入库公示 is recorded (a period under
// 10 days is refused at its field), its page opened and its PDF saved; the anomalies are exported as XLSX; the demo
// seed's projects are listed (140), by several categories, with its 重复报账 and 资金闲置 anomalies.
import { after, before, describe } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { JPEG, browserSession } from './harness.mjs'

const session = browserSession('projects', { households: 120 })
const { login, api, step, screenshot, consoleErrors } = session
let page
let server

const iso = (d) => d.toISOString().slice(0, 10)
const daysFrom = (n) => iso(new Date(Date.now() + n * 86_400_000))
const START = daysFrom(-60)
const DUE = daysFrom(150)
const PAST = daysFrom(-10)
const CODE = `XM-E2E-${Date.now() % 100000}`
const NAME = '卧虎镇肉牛养殖产业项目（浏览器测试）'

async function pick(select, text) {
  await select.click()
  const option = page.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: text }).first()
  await option.waitFor()
  await page.waitForTimeout(150)
  await option.click()
}

/** The text input of a field, wherever the component puts its data-test (the input itself or a wrapper). */
const inputOf = (test) => `[data-test="${test}"] >> xpath=(self::input | self::textarea | .//input | .//textarea)`

/** The date input of the form item labelled `label`. */
const dateIn = (scope, label) => scope.locator('.el-form-item', { has: page.locator('.el-form-item__label', { hasText: label }) }).locator('.el-date-editor input').first()

async function fillDate(input, value) {
  await input.fill(value)
  await input.press('Enter')
}

async function logout() {
  await page.locator('[data-test="logout"]').click()
  await page.locator('[data-test="login-submit"]').waitFor()
}

async function stageIs(label) {
  await page.locator('[data-test="project-stage-tag"]', { hasText: label }).waitFor()
}

async function move(to, reason) {
  await page.locator(`[data-test="move-${to}"]`).click()
  const dialog = page.locator('[data-test="move-dialog"]')
  await dialog.waitFor()
  await dialog.locator('[data-test="move-reason"]').fill(reason)
  await dialog.locator('[data-test="move-submit"]').click()
  await dialog.waitFor({ state: 'hidden' })
}

/** A request with the signed-in user's token and a JSON body; answers { status, body }. */
async function call(method, path, body, headers = {}) {
  return page.evaluate(
    async ([m, p, b, h]) => {
      const s = JSON.parse(localStorage.getItem('fupin.session'))
      const r = await fetch(p, { method: m, headers: { Authorization: `Bearer ${s.access}`, 'Content-Type': 'application/json', ...h }, body: b === null ? undefined : JSON.stringify(b) })
      return { status: r.status, body: await r.json().catch(() => null) }
    },
    [method, path, body ?? null, headers],
  )
}

async function openTab(label) {
  await page.locator('.el-tabs__item', { hasText: label }).click()
}

describe('Project library in Chromium', { concurrency: false }, () => {
  before(async () => {
    await session.start()
    ;({ page, server } = session)
  })
  after(() => session.stop())

  const state = {}

  step('the township declares a project; a due date before the start is shown beside its field', async () => {
    await login('township')
    await page.locator('[data-test="menu-projects"]').click()
    await page.locator('[data-test="project-table"]').waitFor()
    await page.locator('[data-test="project-new"]').click()
    const dialog = page.locator('[data-test="project-dialog"]')
    await dialog.waitFor()
    await dialog.locator(inputOf('project-code')).first().fill(CODE)
    await dialog.locator(inputOf('project-name')).first().fill(NAME)
    await pick(dialog.locator('[data-test="project-category"]'), '产业')
    await dialog.locator(inputOf('project-unit')).first().fill('卧虎镇人民政府')
    await fillDate(dateIn(dialog, '计划开工'), START)
    await fillDate(dateIn(dialog, '计划完成'), daysFrom(-90))
    await page.locator('[data-test="project-save"]').click()
    const error = dialog.locator('.el-form-item', { hasText: '计划完成' }).locator('.el-form-item__error')
    await error.waitFor()
    assert.match(await error.innerText(), /不能早于计划开工日期/)
    await screenshot('declare-field-error')
    await fillDate(dateIn(dialog, '计划完成'), DUE)
    await page.locator('[data-test="project-save"]').click()
    await dialog.waitFor({ state: 'hidden' })
    await page.locator('[data-test="project-title"]', { hasText: NAME }).waitFor()
    state.id = page.url().split('/').pop()
    await stageIs('申报')
    await page.locator('[data-test="health-on_track"]').waitFor()
    const p = await api('GET', `/api/v1/projects/${state.id}`)
    assert.equal(p.code, CODE)
    assert.equal(p.category, 'industry')
    assert.deepEqual(p.region_codes, ['220382102000'])
    assert.equal(p.stage, 'declared')
  })

  step('adds a performance target and reports an actual, kept in its history', async () => {
    await page.locator('[data-test="target-add"]').click()
    const dialog = page.locator('[data-test="target-dialog"]')
    await dialog.waitFor()
    await dialog.locator(inputOf('target-metric')).first().fill('带动贫困户户数')
    await dialog.locator(inputOf('target-value')).first().fill('40')
    await page.locator('[data-test="target-save"]').click()
    await dialog.waitFor({ state: 'hidden' })
    const row = page.locator('[data-test="target-table"] .el-table__row', { hasText: '带动贫困户户数' })
    await row.waitFor()
    await row.locator('[data-test="target-report"]').click()
    const actual = page.locator('[data-test="actual-dialog"]')
    await actual.waitFor()
    await actual.locator(inputOf('actual-value')).first().fill('12')
    await page.locator('[data-test="actual-save"]').click()
    await actual.waitFor({ state: 'hidden' })
    await row.locator('[data-test="target-actual"]', { hasText: '12' }).waitFor()
    await row.locator('.el-table__expand-icon').click()
    await page.locator('[data-test^="target-history-"] .el-table__row', { hasText: '12' }).waitFor()
    const targets = await api('GET', `/api/v1/projects/${state.id}/targets`)
    assert.equal(targets.items.length, 1)
    assert.equal(targets.items[0].actual, '12')
    assert.equal(targets.items[0].updates_count, 1)
    await screenshot('target-history')
  })

  step("edits the target's value (目标值); the actual stays", async () => {
    const row = page.locator('[data-test="target-table"] .el-table__row', { hasText: '带动贫困户户数' })
    await row.locator('[data-test="target-edit"]').click()
    const dialog = page.locator('[data-test="target-dialog"]')
    await dialog.waitFor()
    await dialog.locator(inputOf('target-value')).first().fill('45')
    await page.locator('[data-test="target-save"]').click()
    await dialog.waitFor({ state: 'hidden' })
    await row.locator('td', { hasText: /^45/ }).first().waitFor()
    const [t] = (await api('GET', `/api/v1/projects/${state.id}/targets`)).items
    assert.equal(Number(t.target), 45)
    assert.equal(t.actual, '12')
  })

  step("edits the project's fields: a due date before the start shown beside its field, a change by someone else meanwhile said so", async () => {
    await page.locator('[data-test="project-edit"]').click()
    const dialog = page.locator('[data-test="project-edit-dialog"]')
    await dialog.waitFor()
    assert.equal(await dialog.locator(inputOf('edit-name')).first().inputValue(), NAME)
    await fillDate(dateIn(dialog, '计划完成'), daysFrom(-90))
    await page.locator('[data-test="project-edit-save"]').click()
    const error = dialog.locator('.el-form-item', { hasText: '计划完成' }).locator('.el-form-item__error')
    await error.waitFor()
    assert.match(await error.innerText(), /不能早于计划开工日期/)
    await fillDate(dateIn(dialog, '计划完成'), DUE)
    // someone else changes the project meanwhile
    const before = await api('GET', `/api/v1/projects/${state.id}`)
    const other = await call('PATCH', `/api/v1/projects/${state.id}`, { responsible_person: '王五' }, { 'If-Match': `"${before.version}"` })
    assert.equal(other.status, 200)
    await dialog.locator(inputOf('edit-person')).first().fill('李四')
    await page.locator('[data-test="project-edit-save"]').click()
    const stale = dialog.locator('[data-test="project-stale"]')
    await stale.waitFor()
    assert.match(await stale.innerText(), /已被他人修改，请刷新/)
    await page.waitForTimeout(300)
    await screenshot('edit-stale')
    assert.equal((await api('GET', `/api/v1/projects/${state.id}`)).responsible_person, '王五')
    await dialog.locator('[data-test="project-stale-reload"]').click()
    await dialog.waitFor({ state: 'hidden' })
    await page.locator('.head', { hasText: '王五' }).waitFor()
    await page.locator('[data-test="project-edit"]').click()
    await dialog.waitFor()
    await dialog.locator(inputOf('edit-person')).first().fill('李四')
    await dialog.locator(inputOf('edit-benefit')).first().fill('合作社吸纳贫困户入股分红')
    await page.locator('[data-test="project-edit-save"]').click()
    await dialog.waitFor({ state: 'hidden' })
    await page.locator('.head', { hasText: '合作社吸纳贫困户入股分红' }).waitFor()
    const p = await api('GET', `/api/v1/projects/${state.id}`)
    assert.equal(p.responsible_person, '李四')
    assert.equal(p.benefit_mechanism, '合作社吸纳贫困户入股分红')
    assert.equal(p.due_on, DUE)
    assert.equal(p.version, before.version + 2)
    await screenshot('project-edited')
  })

  step('the township may review (审核) but is offered neither approval nor removal', async () => {
    assert.equal(await page.locator('[data-test="move-reviewed"]').count(), 1)
    assert.equal(await page.locator('[data-test="move-approved"]').count(), 0)
    assert.equal(await page.locator('[data-test="move-removed"]').count(), 0)
    await move('reviewed', '经乡镇审核，符合申报条件')
    await stageIs('审核')
    assert.equal(await page.locator('[data-test="stage-actions"] > button').count(), 0)
    await logout()
  })

  step('the county approves (审定), enters it into the library (入库) and starts it; the steps name who and why', async () => {
    await login('county_office')
    await page.goto(`${server.base}/projects/${state.id}`)
    await stageIs('审核')
    await page.locator('[data-test="move-removed"]').waitFor()
    await move('approved', '县级论证通过')
    await stageIs('论证/审定')
    // 入库 with a file uploaded in the dialog itself, chosen at once
    await page.locator('[data-test="move-in_library"]').click()
    const dialog = page.locator('[data-test="move-dialog"]')
    await dialog.waitFor()
    await dialog.locator('[data-test="move-reason"]').fill('纳入县级项目库')
    await dialog.locator('[data-test="move-file-input"]').setInputFiles({ name: '县级项目库批复.jpg', mimeType: 'image/jpeg', buffer: JPEG })
    const box = dialog.locator('.el-checkbox', { hasText: '县级项目库批复.jpg' })
    await box.waitFor()
    assert.match(await box.getAttribute('class'), /is-checked/)
    await page.waitForTimeout(400)
    await screenshot('move-upload')
    await dialog.locator('[data-test="move-submit"]').click()
    await dialog.waitFor({ state: 'hidden' })
    await stageIs('入库')
    const files = (await api('GET', `/api/v1/evidence?owner_type=project&owner_id=${state.id}`)).items
    const upload = files.find((f) => f.filename === '县级项目库批复.jpg')
    assert.ok(upload, 'the file is attached to the project')
    const entered = (await api('GET', `/api/v1/projects/${state.id}/steps`)).items.find((s) => s.to_stage === 'in_library')
    assert.deepEqual(entered.evidence_ids, [upload.id])
    await move('implementing', '开工建设')
    await stageIs('实施')
    await openTab('流程记录')
    const rows = page.locator('[data-test="step-table"] .el-table__row')
    await rows.nth(4).waitFor()
    const text = await page.locator('[data-test="step-table"]').innerText()
    assert.match(text, /经乡镇审核，符合申报条件/)
    assert.match(text, /县级论证通过/)
    assert.match(text, /纳入县级项目库/)
    const steps = await api('GET', `/api/v1/projects/${state.id}/steps`)
    assert.deepEqual(
      steps.items.map((s) => s.to_stage),
      ['declared', 'reviewed', 'approved', 'in_library', 'implementing'],
    )
    await screenshot('steps')
  })

  step('records a 入库公示 (a period under 10 days refused at its field), opens its page and saves its PDF', async () => {
    await openTab('公示公告')
    await page.locator('[data-test="notice-add"]').click()
    const dialog = page.locator('[data-test="notice-dialog"]')
    await dialog.waitFor()
    await dialog.locator(inputOf('notice-location')).first().fill('卧虎镇政务公开栏')
    await fillDate(dateIn(dialog, '公示开始'), daysFrom(-12))
    await fillDate(dateIn(dialog, '公示结束'), daysFrom(-5))
    await fillDate(dateIn(dialog, '发布日期'), daysFrom(-12))
    await page.locator('[data-test="notice-save"]').click()
    const error = dialog.locator('.el-form-item', { hasText: '公示结束' }).locator('.el-form-item__error')
    await error.waitFor()
    assert.match(await error.innerText(), /不少于10天/)
    await screenshot('notice-too-short')
    assert.equal((await api('GET', `/api/v1/projects/${state.id}/notices`)).items.length, 0)
    await fillDate(dateIn(dialog, '公示结束'), daysFrom(-3))
    await page.locator('[data-test="notice-save"]').click()
    await dialog.waitFor({ state: 'hidden' })
    const row = page.locator('[data-test="notice-table"] .el-table__row', { hasText: '卧虎镇政务公开栏' })
    await row.waitFor()
    assert.match(await row.innerText(), /入库公示/)
    const [notice] = (await api('GET', `/api/v1/projects/${state.id}/notices`)).items
    assert.equal(notice.kind, 'entry')
    assert.equal(notice.display_to, daysFrom(-3))
    await screenshot('notice')

    // the printable page, in a window of its own
    const [popup] = await Promise.all([page.waitForEvent('popup'), row.locator('[data-test="notice-html"]').click()])
    await popup.waitForURL(/^blob:/)
    await popup.locator('body', { hasText: NAME }).waitFor()
    assert.match(await popup.locator('body').innerText(), /卧虎镇政务公开栏/)
    await popup.screenshot({ path: `${import.meta.dirname}/artifacts-projects/notice-page.png`, fullPage: true })
    await popup.close()

    // the PDF: the page's request answers a PDF, saved as a file
    const [response, download] = await Promise.all([
      page.waitForResponse((r) => r.url().includes(`/notices/${notice.id}/document`) && r.url().includes('format=pdf')),
      page.waitForEvent('download'),
      row.locator('[data-test="notice-pdf"]').click(),
    ])
    assert.equal(response.status(), 200)
    assert.match(response.headers()['content-type'], /^application\/pdf/)
    assert.match(download.suggestedFilename(), /\.pdf$/)
    // the file saved is what the page received: a PDF
    assert.equal(readFileSync(await download.path()).subarray(0, 4).toString('latin1'), '%PDF')
    // and the same document fetched with the token
    const fetched = await page.evaluate(async (path) => {
      const s = JSON.parse(localStorage.getItem('fupin.session'))
      const r = await fetch(path, { headers: { Authorization: `Bearer ${s.access}` } })
      const head = new Uint8Array(await r.arrayBuffer()).slice(0, 4)
      return { status: r.status, type: r.headers.get('Content-Type'), head: String.fromCharCode(...head) }
    }, `/api/v1/projects/${state.id}/notices/${notice.id}/document?format=pdf`)
    assert.deepEqual({ ...fetched, type: fetched.type.split(';')[0] }, { status: 200, type: 'application/pdf', head: '%PDF' })
  })

  step('records an allocation; a payment over it is refused and the dialog shows the figures', async () => {
    await openTab('资金')
    await page.locator('[data-test="allocation-add"]').click()
    const alloc = page.locator('[data-test="allocation-dialog"]')
    await alloc.waitFor()
    await alloc.locator(inputOf('allocation-amount')).first().fill('100000')
    await alloc.locator(inputOf('allocation-document')).first().fill('双财农〔2026〕18号')
    await page.locator('[data-test="allocation-save"]').click()
    await alloc.waitFor({ state: 'hidden' })
    await page.locator('[data-test="allocation-table"] .el-table__row', { hasText: '双财农〔2026〕18号' }).waitFor()

    await page.locator('[data-test="disbursement-add"]').click()
    const disb = page.locator('[data-test="disbursement-dialog"]')
    await disb.waitFor()
    await disb.locator(inputOf('disbursement-amount')).first().fill('150000')
    await disb.locator(inputOf('disbursement-payee')).first().fill('卧虎镇肉牛养殖合作社')
    await disb.locator(inputOf('disbursement-purpose')).first().fill('购买基础母牛')
    await disb.locator(inputOf('disbursement-voucher')).first().fill('PZ-E2E-001')
    await page.locator('[data-test="disbursement-save"]').click()
    await disb.locator('[data-test="overdraft"]').waitFor()
    assert.equal((await disb.locator('[data-test="overdraft-allocated"]').innerText()).trim(), '100,000.00')
    assert.equal((await disb.locator('[data-test="overdraft-disbursed"]').innerText()).trim(), '0.00')
    assert.equal((await disb.locator('[data-test="overdraft-requested"]').innerText()).trim(), '150,000.00')
    assert.equal((await disb.locator('[data-test="overdraft-available"]').innerText()).trim(), '100,000.00')
    await screenshot('overdraft-figures')
    const none = await api('GET', `/api/v1/projects/${state.id}/disbursements`)
    assert.equal(none.items.length, 0)

    await disb.locator(inputOf('disbursement-amount')).first().fill('30000')
    await page.locator('[data-test="disbursement-save"]').click()
    await disb.waitFor({ state: 'hidden' })
    await page.locator('[data-test="disbursement-table"] .el-table__row', { hasText: 'PZ-E2E-001' }).waitFor()
    const funds = await api('GET', `/api/v1/projects/${state.id}/funds`)
    assert.equal(funds.allocated, '100000.00')
    assert.equal(funds.disbursed, '30000.00')
    assert.equal(funds.available, '70000.00')
    await page.locator('[data-test="funds-chart"] canvas').waitFor()
  })

  step('corrects the payment (冲正): a negative entry naming it, the funds back to available', async () => {
    const row = page.locator('[data-test="disbursement-table"] .el-table__row', { hasText: 'PZ-E2E-001' }).first()
    await row.locator('[data-test="disbursement-correct"]').click()
    const disb = page.locator('[data-test="disbursement-dialog"]')
    await disb.waitFor()
    await page.locator('[data-test="disbursement-save"]').click()
    await disb.waitFor({ state: 'hidden' })
    await page.locator('[data-test="disbursement-table"] .el-table__row', { hasText: '-30,000.00' }).waitFor()
    const list = await api('GET', `/api/v1/projects/${state.id}/disbursements`)
    assert.equal(list.items.length, 2)
    const correction = list.items.find((d) => d.corrects_id)
    const original = list.items.find((d) => !d.corrects_id)
    assert.equal(correction.amount, '-30000.00')
    assert.equal(correction.corrects_id, original.id)
    const funds = await api('GET', `/api/v1/projects/${state.id}/funds`)
    assert.equal(funds.disbursed, '0.00')
    assert.equal(funds.available, '100000.00')
    await screenshot('funds')
  })

  step('a milestone due in the past, not done, turns the project overdue (逾期, red) in the list', async () => {
    await openTab('实施节点')
    await page.locator('[data-test="milestone-add"]').click()
    const dialog = page.locator('[data-test="milestone-dialog"]')
    await dialog.waitFor()
    await dialog.locator(inputOf('milestone-name')).first().fill('牛舍建设完工')
    await fillDate(dateIn(dialog, '计划完成'), PAST)
    await page.locator('[data-test="milestone-save"]').click()
    await dialog.waitFor({ state: 'hidden' })
    await page.locator('[data-test="milestone-table"] [data-test="milestone-late"]').waitFor()
    await page.locator('[data-test="milestone-gantt"] canvas').waitFor()
    await page.locator('.page-header [data-test="health-overdue"]').waitFor()
    await screenshot('milestone-gantt')
    await page.goto(`${server.base}/projects?q=${encodeURIComponent(CODE)}`)
    const row = page.locator('[data-test="project-table"] .el-table__row', { hasText: CODE })
    await row.waitFor()
    const tag = row.locator('[data-test="health-overdue"]')
    await tag.waitFor()
    assert.equal((await tag.innerText()).trim(), '逾期')
    const bg = await tag.evaluate((el) => getComputedStyle(el).backgroundColor)
    const [r, g, b] = bg.match(/\d+/g).map(Number)
    assert.ok(r > 180 && g < 140 && b < 140, `overdue tag is red, got ${bg}`)
    // the health filter is in the URL and finds it
    await page.goto(`${server.base}/projects?health=overdue&q=${encodeURIComponent(CODE)}`)
    await page.locator('[data-test="project-table"] .el-table__row', { hasText: CODE }).waitFor()
    await page.goto(`${server.base}/projects?health=on_track&q=${encodeURIComponent(CODE)}`)
    await page.locator('[data-test="project-count"]', { hasText: '共 0 条' }).waitFor()
    const p = await api('GET', `/api/v1/projects/${state.id}`)
    assert.equal(p.health, 'overdue')
    await page.goto(`${server.base}/projects?q=${encodeURIComponent(CODE)}`)
    await row.waitFor()
    await screenshot('list-overdue')
  })

  step('the audit trail lists the project, target, milestone and fund writes', async () => {
    await page.goto(`${server.base}/projects/${state.id}`)
    await openTab('操作记录')
    const trail = page.locator('.el-tab-pane:visible')
    await trail.getByText('申报项目').first().waitFor()
    const text = await trail.innerText()
    for (const label of ['项目阶段变更', '新增绩效目标', '填报实际完成', '新增实施节点', '录入下达资金']) assert.match(text, new RegExp(label))
    await screenshot('audit-trail')
  })

  step('the fund anomalies page lists the industry project without poor beneficiaries and links to it', async () => {
    await page.locator('[data-test="menu-fund-anomalies"]').click()
    await page.locator('[data-test="anomaly-table"]').waitFor()
    await page.goto(`${server.base}/fund-anomalies?kind=no_benefit_link`)
    const link = page.locator('[data-test="anomaly-table"] [data-test="anomaly-project"]', { hasText: CODE })
    await link.waitFor()
    const anomalies = await api('GET', '/api/v1/fund-anomalies?kind=no_benefit_link&limit=200')
    assert.ok(anomalies.items.some((a) => a.project_id === state.id))
    await screenshot('anomalies')
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test="anomaly-export-xlsx"]').click()])
    assert.match(download.suggestedFilename(), /\.xlsx$/)
    const saved = await download.path()
    assert.ok(saved, 'the export arrived')
    await page.locator('.el-tabs__item', { hasText: '公示逾期' }).click()
    await page.locator('[data-test="overdue-table"]').waitFor()
    await page.waitForLoadState('networkidle')
    await screenshot('overdue-notices')
    await page.goto(`${server.base}/fund-anomalies?kind=no_benefit_link`)
    await link.click()
    await page.locator('[data-test="project-title"]', { hasText: NAME }).waitFor()
  })

  step('the overview page shows the projects by category, stage and health and the funds by county', async () => {
    await page.locator('[data-test="menu-project-overview"]').click()
    await page.locator('[data-test="overview-health"] canvas').waitFor()
    await page.locator('[data-test="overview-stage"] canvas').waitFor()
    await page.locator('[data-test="overview-category"] canvas').waitFor()
    const overview = await api('GET', '/api/v1/project-overview')
    assert.ok(overview.total >= 1)
    assert.ok(overview.by_health.some((h) => h.code === 'overdue' && h.count >= 1))
    await page.locator('[data-test="overview-total"]', { hasText: String(overview.total) }).waitFor()
    await page.locator('[data-test="county-funds"] .el-table__row').first().waitFor()
    await screenshot('overview')
    assert.deepEqual(consoleErrors.filter((e) => !/Failed to load resource/.test(e)), [])
  })

  step('links a household of the project area as beneficiary by search and unlinks it', async () => {
    await page.goto(`${server.base}/projects/${state.id}`)
    await openTab('受益户')
    const select = page.locator('[data-test="beneficiary-search"]')
    await select.click()
    // a household not exited (未脱贫): a poor beneficiary
    const option = page.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: '未脱贫' }).first()
    await option.waitFor()
    await page.waitForTimeout(150)
    await option.click()
    await page.locator('[data-test="beneficiary-figures"]').click()
    await page.waitForTimeout(200)
    await page.locator('[data-test="beneficiary-link"]').click()
    await page.locator('[data-test="beneficiary-table"] .el-table__row').first().waitFor()
    const linked = await api('GET', `/api/v1/projects/${state.id}/beneficiaries`)
    assert.equal(linked.households, 1)
    assert.equal(linked.poor_households, 1)
    assert.ok(linked.people >= 1)
    assert.match(await page.locator('[data-test="beneficiary-figures"]').innerText(), new RegExp(String(linked.people)))
    await screenshot('beneficiaries')
    await page.locator('[data-test="beneficiary-unlink"]').first().click()
    await page.locator('.el-message-box__btns .el-button--primary').click()
    await page.locator('[data-test="beneficiary-table"] .el-table__empty-text').waitFor()
    const after = await api('GET', `/api/v1/projects/${state.id}/beneficiaries`)
    assert.equal(after.households, 0)
  })

  step("the demo seed's projects: 140 in the list, several categories in the overview, its 重复报账 and 资金闲置", async () => {
    await logout()
    await login('city_office')
    await page.locator('[data-test="menu-projects"]').click()
    const count = page.locator('[data-test="project-count"]')
    await count.waitFor()
    await page.waitForLoadState('networkidle')
    const shown = Number((await count.innerText()).match(/共\s*(\d+)/)[1])
    assert.ok(shown >= 100, `the list counts ${shown} projects`)
    const listed = await api('GET', '/api/v1/projects?limit=1&include_total=true')
    assert.equal(listed.total, shown)
    assert.ok(listed.total >= 140, `the seed has 140 projects, ${listed.total} listed`)
    await screenshot('seed-list')

    await page.locator('[data-test="menu-project-overview"]').click()
    await page.locator('[data-test="overview-category"] canvas').waitFor()
    const overview = await api('GET', '/api/v1/project-overview')
    const categories = overview.by_category.filter((c) => c.count > 0)
    assert.ok(categories.length >= 5, `categories: ${categories.map((c) => c.code).join(',')}`)
    await page.locator('[data-test="overview-total"]', { hasText: String(overview.total) }).waitFor()
    await page.waitForLoadState('networkidle')
    await screenshot('seed-overview')

    for (const [kind, label] of [['duplicate_voucher', '重复报账'], ['idle_funds', '资金闲置']]) {
      await page.goto(`${server.base}/fund-anomalies?kind=${kind}`)
      await page.locator('[data-test="anomaly-table"] .el-table__row .el-tag', { hasText: label }).first().waitFor()
      const found = await api('GET', `/api/v1/fund-anomalies?kind=${kind}&limit=50`)
      assert.ok(found.items.length >= 1 && found.items.every((a) => a.kind === kind))
      await screenshot(`seed-${kind}`)
    }
    assert.deepEqual(consoleErrors.filter((e) => !/Failed to load resource/.test(e)), [])
  })
})
