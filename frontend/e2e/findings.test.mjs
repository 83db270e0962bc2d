// Browser steps of the findings ledger (督查整改): the inspector raises a finding for 卧虎镇 (its number given by the
// server); the township starts rectification, adds a task and marks it done, is refused a submission without
// evidence (the error shown), uploads a file and submits; the township is offered no 销号 and the API refuses it
// (403 findings.own_finding); the inspector returns it once with a reason, the township resubmits, the inspector
// closes it; the step timeline and the audit trail show the steps; the board and the discipline inbox load; the
// county office imports an inspection ledger from the board's 批量导入 (a dry run first, then the import).
import { after, before, describe } from 'node:test'
import assert from 'node:assert/strict'
import { JPEG, browserSession } from './harness.mjs'

const session = browserSession('findings', { households: 60 })
const { login, api, step, screenshot, consoleErrors } = session
let page
let server

const iso = (d) => d.toISOString().slice(0, 10)
const daysFrom = (n) => iso(new Date(Date.now() + n * 86_400_000))
const TAG = Date.now() % 100000
const BATCH = `2026年第二轮专项督查-${TAG}`
const DESCRIPTION = `卧虎镇部分贫困户档案信息不准确（浏览器测试 ${TAG}）`
const WOHU = '220382102000'

async function pick(select, text) {
  await select.click()
  const option = page.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: text }).first()
  await option.waitFor()
  await page.waitForTimeout(150)
  await option.click()
}

const inputOf = (test) => `[data-test="${test}"] >> xpath=(self::input | self::textarea | .//input | .//textarea)`
const dateIn = (scope, label) => scope.locator('.el-form-item', { has: page.locator('.el-form-item__label', { hasText: label }) }).locator('.el-date-editor input').first()

async function fillDate(input, value) {
  await input.fill(value)
  await input.press('Enter')
}

async function logout() {
  await page.locator('[data-test="logout"]').click()
  await page.locator('[data-test="login-submit"]').waitFor()
}

async function stateIs(label) {
  await page.locator('[data-test="finding-state-tag"]', { hasText: label }).waitFor()
}

async function openTab(label) {
  await page.locator('.el-tabs__item', { hasText: label }).click()
}

/** Opens the move dialog of `to`, fills what is given and confirms; returns the dialog. */
async function move(to, { reason, rectification, check = false, close = true } = {}) {
  await page.locator(`[data-test="move-${to}"]`).click()
  const dialog = page.locator('[data-test="move-dialog"]')
  await dialog.waitFor()
  if (rectification !== undefined) await dialog.locator(inputOf('move-rectification')).first().fill(rectification)
  if (reason !== undefined) await dialog.locator(inputOf('move-reason')).first().fill(reason)
  if (check) {
    const box = dialog.locator('[data-test="move-files"] .el-checkbox').first()
    await box.waitFor()
    if (!(await box.locator('input').isChecked())) await box.click()
  }
  await dialog.locator('[data-test="move-submit"]').click()
  if (close) await dialog.waitFor({ state: 'hidden' })
  return dialog
}

/** A call with a JSON body and If-Match, answering status and body. */
const call = (method, path, body, version) =>
  page.evaluate(
    async ([m, p, b, v]) => {
      const s = JSON.parse(localStorage.getItem('fupin.session'))
      const headers = { Authorization: `Bearer ${s.access}`, 'Content-Type': 'application/json' }
      if (v !== null) headers['If-Match'] = `"${v}"`
      const r = await fetch(p, { method: m, headers, body: JSON.stringify(b) })
      return { status: r.status, body: await r.json().catch(() => null) }
    },
    [method, path, body, version],
  )

describe('Findings ledger in Chromium', { concurrency: false }, () => {
  before(async () => {
    await session.start()
    ;({ page, server } = session)
  })
  after(() => session.stop())

  const state = {}

  step('the inspector raises a finding for 卧虎镇; a deadline before the raised date is shown beside its field', async () => {
    await login('inspector')
    await page.locator('[data-test="menu-findings"]').click()
    await page.locator('[data-test="finding-board"]').waitFor()
    assert.equal(await page.locator('[data-test="finding-import"]').count(), 0) // no jobs:read: no import
    await page.locator('[data-test="finding-new"]').click()
    const dialog = page.locator('[data-test="finding-dialog"]')
    await dialog.waitFor()
    await pick(dialog.locator('[data-test="finding-source"]'), '专项督查组')
    await dialog.locator(inputOf('finding-batch')).first().fill(BATCH)
    await pick(dialog.locator('[data-test="finding-category"]'), '政策落实')
    await dialog.locator(inputOf('finding-description')).first().fill(DESCRIPTION)
    // 责任区划: city → 双辽市 → 卧虎镇 (a township with villages: chosen by its radio)
    await dialog.locator('[data-test="finding-region"]').click()
    await page.locator('.el-cascader__dropdown:visible .el-cascader-node', { hasText: '双辽市' }).first().click()
    const wohu = page.locator('.el-cascader__dropdown:visible .el-cascader-node', { hasText: '卧虎镇' }).first()
    await wohu.waitFor()
    await wohu.locator('.el-radio').click()
    await page.keyboard.press('Escape')
    await dialog.locator(inputOf('finding-lead')).first().fill('双辽市扶贫办')
    await dialog.locator(inputOf('finding-unit')).first().fill('卧虎镇人民政府')
    await dialog.locator(inputOf('finding-person')).first().fill('张镇长')
    // a household of 卧虎镇 linked by a search on its head's name
    const households = await api('GET', `/api/v1/households?region=${WOHU}&limit=1`)
    state.household = households.items[0]
    await dialog.locator('[data-test="finding-households"]').click()
    await dialog.locator('[data-test="finding-households"] input').fill(state.household.head_name)
    const option = page.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: state.household.head_name }).first()
    await option.waitFor()
    await option.click()
    await page.keyboard.press('Escape')
    await fillDate(dateIn(dialog, '整改时限'), daysFrom(-30))
    await page.locator('[data-test="finding-save"]').click()
    const error = dialog.locator('.el-form-item', { hasText: '整改时限' }).locator('.el-form-item__error').first()
    await error.waitFor()
    assert.ok((await error.innerText()).trim().length > 0)
    await screenshot('raise-field-error')
    await fillDate(dateIn(dialog, '整改时限'), daysFrom(60))
    await page.locator('[data-test="finding-save"]').click()
    await dialog.waitFor({ state: 'hidden' })
    await page.locator('[data-test="finding-title"]', { hasText: '编号' }).waitFor()
    state.id = page.url().split('/').pop()
    await stateIs('待整改')
    const f = await api('GET', `/api/v1/findings/${state.id}`)
    assert.equal(f.region_code, WOHU)
    assert.equal(f.source, 'special_supervision')
    assert.equal(f.category, 'policy')
    assert.equal(f.batch, BATCH)
    assert.equal(f.state, 'pending')
    assert.ok(f.number >= 1)
    const label = `${state.household.household_number} ${state.household.head_name}`
    assert.deepEqual(f.links, [{ type: 'household', id: state.household.id, label }])
    state.number = f.number
    // the inspector may transfer a pending finding but not close it
    assert.equal(await page.locator('[data-test="move-transferred"]').count(), 1)
    assert.equal(await page.locator('[data-test="move-closed"]').count(), 0)
    await screenshot('raised')
  })

  step('the inspector edits the finding: only what changed is saved, the link kept under its name', async () => {
    await page.locator('[data-test="finding-edit"]').click()
    const dialog = page.locator('[data-test="finding-dialog"]')
    await dialog.waitFor()
    assert.equal(await dialog.locator(inputOf('finding-batch')).first().inputValue(), BATCH)
    await dialog.locator('[data-test="finding-households"] .el-tag', { hasText: state.household.head_name }).waitFor()
    await dialog.locator(inputOf('finding-person')).first().fill('王镇长')
    await page.locator('[data-test="finding-save"]').click()
    await dialog.waitFor({ state: 'hidden' })
    await page.locator('[data-test="finding-facts"]', { hasText: '王镇长' }).waitFor()
    const f = await api('GET', `/api/v1/findings/${state.id}`)
    assert.equal(f.responsible_person, '王镇长')
    assert.equal(f.version, 2)
    assert.equal(f.links.length, 1)
    const trail = await api('GET', `/api/v1/findings/${state.id}/audit-events`)
    const edit = trail.items.find((e) => e.action === 'finding.updated')
    assert.ok(edit, 'the edit is audited')
    assert.deepEqual(edit.changes.responsible_person, ['张镇长', '王镇长'])
    assert.ok(!('links' in edit.changes) && !('batch' in edit.changes), 'only what changed')
    await screenshot('edited')
    await logout()
  })

  step('the township sees it on its board, starts rectification, adds a task and marks it done', async () => {
    await login('township')
    await page.locator('[data-test="menu-findings"]').click()
    const card = page.locator(`[data-test="column-pending"] [data-test="finding-card-${state.number}"]`)
    await card.waitFor()
    await screenshot('board')
    await card.click()
    await stateIs('待整改')
    await move('rectifying', { reason: '已召开专题会议部署整改' })
    await stateIs('整改中')
    await page.locator('[data-test="task-add"]').click()
    const dialog = page.locator('[data-test="task-dialog"]')
    await dialog.waitFor()
    await dialog.locator(inputOf('task-what')).first().fill('逐户核对贫困户档案信息并更正')
    await dialog.locator(inputOf('task-who')).first().fill('卧虎镇扶贫工作站')
    await page.locator('[data-test="task-save"]').click()
    await dialog.waitFor({ state: 'hidden' })
    const row = page.locator('[data-test="task-table"] .el-table__row', { hasText: '逐户核对' })
    await row.waitFor()
    await row.locator('[data-test="task-done"]').click()
    await row.locator('[data-test="task-done-tag"]').waitFor()
    // a task entered by mistake is deleted after a confirmation
    await page.locator('[data-test="task-add"]').click()
    await dialog.waitFor()
    await dialog.locator(inputOf('task-what')).first().fill('误录的措施')
    await dialog.locator(inputOf('task-who')).first().fill('卧虎镇扶贫工作站')
    await page.locator('[data-test="task-save"]').click()
    await dialog.waitFor({ state: 'hidden' })
    const wrong = page.locator('[data-test="task-table"] .el-table__row', { hasText: '误录的措施' })
    await wrong.locator('[data-test="task-delete"]').click()
    await page.locator('.el-message-box__btns .el-button--primary').click()
    await wrong.waitFor({ state: 'detached' })
    const tasks = await api('GET', `/api/v1/findings/${state.id}/tasks`)
    assert.equal(tasks.items.length, 1)
    assert.ok(tasks.items[0].done_on)
    await screenshot('task-done')
  })

  step('submitting without evidence is refused with the error shown; with an uploaded file it is submitted', async () => {
    const dialog = await move('submitted', { rectification: '已逐户核对并更正档案信息 128 户', close: false })
    const error = dialog.locator('.el-form-item', { hasText: '佐证材料' }).locator('.el-form-item__error')
    await error.waitFor()
    assert.ok((await error.innerText()).trim().length > 0)
    await screenshot('submit-without-evidence')
    assert.equal((await api('GET', `/api/v1/findings/${state.id}`)).state, 'rectifying')
    await dialog.locator('[data-test="move-file-input"]').setInputFiles({ name: '整改佐证.jpg', mimeType: 'image/jpeg', buffer: JPEG })
    await dialog.locator('[data-test="move-files"] .el-checkbox', { hasText: '整改佐证.jpg' }).waitFor()
    assert.ok(await dialog.locator('[data-test="move-files"] .el-checkbox input').first().isChecked())
    await dialog.locator('[data-test="move-submit"]').click()
    await dialog.waitFor({ state: 'hidden' })
    await stateIs('申请销号')
    const f = await api('GET', `/api/v1/findings/${state.id}`)
    assert.equal(f.state, 'submitted')
    assert.match(f.rectification, /128 户/)
  })

  step('the township is offered no 销号 or 退回, and the API refuses it (403 findings.own_finding)', async () => {
    assert.equal(await page.locator('[data-test="move-closed"]').count(), 0)
    assert.equal(await page.locator('[data-test="move-returned"]').count(), 0)
    const f = await api('GET', `/api/v1/findings/${state.id}`)
    const r = await call('POST', `/api/v1/findings/${state.id}/transitions`, { to: 'closed' }, f.version)
    assert.equal(r.status, 403)
    assert.equal(r.body.code, 'findings.own_finding')
    assert.equal((await api('GET', `/api/v1/findings/${state.id}`)).state, 'submitted')
    await screenshot('township-submitted')
    await logout()
  })

  step('the inspector returns it with a reason', async () => {
    await login('inspector')
    await page.goto(`${server.base}/findings/${state.id}`)
    await stateIs('申请销号')
    await page.locator('[data-test="move-closed"]').waitFor()
    await move('returned', { reason: '佐证材料不全，请补充入户核对记录' })
    await stateIs('退回')
    await page.locator('[data-test="finding-state-reason"]', { hasText: '佐证材料不全' }).waitFor()
    await screenshot('returned')
    await logout()
  })

  step('the township resubmits', async () => {
    await login('township')
    await page.goto(`${server.base}/findings/${state.id}`)
    await stateIs('退回')
    await move('rectifying', { reason: '按要求补充材料' })
    await stateIs('整改中')
    await move('submitted', { rectification: '已逐户核对并更正档案信息 128 户，补充入户核对记录', check: true })
    await stateIs('申请销号')
    await logout()
  })

  step('the inspector closes it; the timeline and the audit trail show the steps', async () => {
    await login('inspector')
    await page.goto(`${server.base}/findings/${state.id}`)
    await stateIs('申请销号')
    await move('closed', { reason: '经现场核查，整改到位' })
    await stateIs('已销号')
    assert.equal(await page.locator('[data-test="finding-actions"] > button').count(), 0)
    const steps = await api('GET', `/api/v1/findings/${state.id}/steps`)
    assert.deepEqual(
      steps.items.map((s) => s.to_state),
      ['pending', 'rectifying', 'submitted', 'returned', 'rectifying', 'submitted', 'closed'],
    )
    await openTab('办理过程')
    const timeline = page.locator('[data-test="step-timeline"]')
    await timeline.waitFor()
    const text = await timeline.innerText()
    assert.match(text, /佐证材料不全，请补充入户核对记录/)
    assert.match(text, /经现场核查，整改到位/)
    assert.match(text, /整改佐证\.jpg/)
    assert.match(text, /卧虎镇扶贫工作站/)
    assert.match(text, /市专项督查组/)
    await screenshot('timeline')
    await openTab('操作记录')
    await page.locator('.el-table__row', { hasText: '问题状态变更' }).first().waitFor()
    await page.locator('.el-table__row', { hasText: '新增整改措施' }).first().waitFor()
    await screenshot('audit-trail')
    await openTab('关联记录')
    const link = page.locator(`[data-test="link-table"] a[href$="/households/${state.household.id}"]`)
    await link.waitFor()
    assert.equal((await link.innerText()).trim(), `${state.household.household_number} ${state.household.head_name}`)
  })

  step('the board filters in the URL and switches to the table view', async () => {
    await page.goto(`${server.base}/findings?batch=${encodeURIComponent(BATCH)}&view=table`)
    const row = page.locator('[data-test="finding-table"] .el-table__row').first()
    await row.waitFor()
    assert.equal(await page.locator('[data-test="finding-table"] .el-table__row').count(), 1)
    assert.match(await row.innerText(), /已销号/)
    await screenshot('table-view')
    await page.locator('[data-test="view-board"]').click()
    await page.locator(`[data-test="column-closed"] [data-test="finding-card-${state.number}"]`).waitFor()
    assert.match(page.url(), /batch=/)
  })

  step('the inspector transfers a second finding to the discipline commission (移交纪委) with a reason', async () => {
    const f = await api('GET', `/api/v1/findings/${state.id}`)
    const r = await call('POST', '/api/v1/findings', {
      source: 'special_supervision', batch: BATCH, category: 'funds', severity: 'grave', timeframe: 'short',
      description: `卧虎镇违规发放扶贫补贴（浏览器测试 ${TAG}）`, region_code: WOHU, lead_unit: '双辽市扶贫办',
      responsible_unit: '卧虎镇人民政府', raised_on: f.raised_on, deadline: daysFrom(30),
    }, null)
    assert.equal(r.status, 201)
    assert.equal(r.body.number, state.number + 1)
    state.second = r.body
    await page.goto(`${server.base}/findings/${r.body.id}`)
    await stateIs('待整改')
    await move('transferred', { reason: '涉嫌违规发放补贴，移交纪委处理' })
    await stateIs('移交纪委')
  })

  step('回头看 from the closed finding: a linked new finding, the old one marked reopened', async () => {
    await page.goto(`${server.base}/findings/${state.id}`)
    await stateIs('已销号')
    await page.locator('[data-test="finding-reinspect"]').click()
    const dialog = page.locator('[data-test="finding-dialog"]')
    await dialog.locator('[data-test="finding-reinspect-hint"]').waitFor()
    assert.equal(await dialog.locator(inputOf('finding-unit')).first().inputValue(), '卧虎镇人民政府')
    await dialog.locator(inputOf('finding-batch')).first().fill(`回头看-${TAG}`)
    await dialog.locator(inputOf('finding-description')).first().fill('回头看发现部分档案仍未更正')
    await fillDate(dateIn(dialog, '整改时限'), daysFrom(30))
    await page.locator('[data-test="finding-save"]').click()
    await dialog.waitFor({ state: 'hidden' })
    await page.waitForURL((url) => !url.pathname.endsWith(state.id))
    await stateIs('待整改')
    const fresh = await api('GET', `/api/v1/findings/${page.url().split('/').pop()}`)
    assert.equal(fresh.source, 're_inspection')
    assert.equal(fresh.reopens_id, state.id)
    assert.deepEqual(fresh.links.map((l) => l.id), [state.household.id])
    const old = await api('GET', `/api/v1/findings/${state.id}`)
    assert.equal(old.reopened, true)
    assert.equal(old.reopened_by_id, fresh.id)
    await page.locator('[data-test="finding-reopens"]').click()
    await page.locator('[data-test="finding-reopened"]').waitFor()
    assert.equal(await page.locator('[data-test="finding-reinspect"]').count(), 0) // found again once
    await screenshot('reinspected')
    await logout()
  })

  step('the county office imports a ledger from the board: the dry run reports the bad row, the import creates the rest', async () => {
    await login('county_office')
    await page.locator('[data-test="menu-findings"]').click()
    await page.locator('[data-test="finding-board"]').waitFor()
    await page.locator('[data-test="finding-import"]').click()
    await page.waitForURL(/\/imports\?entity=findings/)
    await page.locator('h1', { hasText: '批量导入督查问题' }).waitFor()
    assert.match(await page.locator('[data-test="import-entity-findings"]').getAttribute('class'), /is-active/)
    assert.equal(await page.locator('[data-test="import-strategy"]').count(), 0) // findings are only created
    const batch = `2026年省委巡视反馈-${TAG}`
    const header = '问题序号,外部系统,外部编号,问题来源,督查批次,问题类别,问题描述,严重程度,责任区域(代码),牵头单位,责任单位,责任人,发现日期,整改时限,整改类别,措施内容,措施责任人,完成时限,完成日期'
    const finding = (seq, deadline) =>
      [seq, 'e2e', `E2E-${TAG}-${seq}`, '省委巡视组', batch, '政策落实', `导入问题 ${seq}（浏览器测试 ${TAG}）`, '一般', WOHU, '双辽市扶贫办', '卧虎镇人民政府', '李镇长', daysFrom(-10), deadline, '短期攻坚']
    const rows = [
      [...finding(1, daysFrom(60)), '逐户核实档案', '王站长', daysFrom(30), ''],
      [1, ...Array(14).fill(''), '张榜公示', '东方红村委会', daysFrom(40), ''],
      [...finding(2, daysFrom(-20)), '', '', '', ''], // the deadline before the raising
    ]
    const csv = `\ufeff${[header, ...rows.map((r) => r.join(','))].join('\r\n')}\r\n`
    await page.locator('[data-test="import-file"] input[type="file"]').setInputFiles({ name: `台账-${TAG}.csv`, mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf-8') })
    await page.locator('[data-test="import-chosen"]', { hasText: `台账-${TAG}.csv` }).waitFor()
    await page.locator('[data-test="import-dry-run"]').click()
    const dry = page.locator('[data-test="import-result"]')
    await dry.locator('[data-test="import-result-title"]', { hasText: /^试导入结果$/ }).waitFor()
    await dry.locator('[data-test="import-counts"]').waitFor({ timeout: 60_000 })
    const count = (result, key) => result.locator(`[data-test="import-count-${key}"] .count-value`).innerText()
    assert.equal(await count(dry, 'created'), '1')
    assert.equal(await count(dry, 'failed'), '1')
    const errors = dry.locator('[data-test="import-errors"] .el-table__body tr')
    assert.equal(await errors.count(), 1)
    assert.match(await errors.first().innerText(), /4[\s\S]*整改时限[\s\S]*finding\.deadline_before_raised/)
    assert.equal((await api('GET', `/api/v1/findings?batch=${encodeURIComponent(batch)}`)).items.length, 0)
    await screenshot('import-dry-run')
    const dryJob = await dry.getAttribute('data-job')
    await page.locator('[data-test="import-confirm"]').click()
    const done = page.locator(`[data-test="import-result"]:not([data-job="${dryJob}"])`)
    await done.locator('[data-test="job-state"]', { hasText: '已完成' }).waitFor({ timeout: 60_000 })
    await done.locator('[data-test="import-counts"]').waitFor()
    assert.equal(await count(done, 'created'), '1')
    assert.match(page.url(), /entity=findings/)
    const made = await api('GET', `/api/v1/findings?batch=${encodeURIComponent(batch)}`)
    assert.equal(made.items.length, 1)
    assert.equal(made.items[0].external_id, `E2E-${TAG}-1`)
    const tasks = await api('GET', `/api/v1/findings/${made.items[0].id}/tasks`)
    assert.deepEqual(tasks.items.map((t) => t.what), ['逐户核实档案', '张榜公示'])
    await logout()
  })

  step('the board filters by warning colour; the counts equal the API', async () => {
    await login('inspector')
    await page.goto(`${server.base}/findings?view=table`)
    await page.locator('[data-test="finding-table"]').waitFor()
    await pick(page.locator('[data-test="filter-warning"]'), '无警示')
    await page.locator('[data-test="finding-search"]').click()
    await page.waitForURL(/warning=none/)
    for (const colour of ['none', 'yellow', 'red']) {
      if (colour !== 'none') await page.goto(`${server.base}/findings?view=table&warning=${colour}`)
      const listed = await api('GET', `/api/v1/findings?warning=${colour}&include_total=true&limit=1`)
      await page.locator('[data-test="finding-count"]', { hasText: `共 ${listed.total} ` }).waitFor()
    }
    await screenshot('warning-filter')
    await logout()
  })

  step('the discipline inbox lists the transferred finding for 纪检审计', async () => {
    await login('auditor')
    await page.locator('[data-test="menu-discipline-inbox"]').click()
    const row = page.locator('[data-test="inbox-table"] .el-table__row', { hasText: '涉嫌违规发放补贴' })
    await row.waitFor()
    const inbox = await api('GET', '/api/v1/findings?state=transferred&include_total=true')
    assert.ok(inbox.items.some((i) => i.id === state.second.id))
    await page.locator('[data-test="inbox-count"]', { hasText: String(inbox.total) }).waitFor()
    assert.equal(await page.locator('[data-test="inbox-table"] .el-table__row').count(), Math.min(inbox.total, 50))
    await screenshot('inbox')
    assert.deepEqual(consoleErrors.filter((e) => !/Failed to load resource/.test(e)), [])
  })
})
