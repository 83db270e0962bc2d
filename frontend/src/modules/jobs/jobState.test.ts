import { describe, expect, it } from 'vitest'
import zhCN from '@/i18n/zh-CN'
import en from '@/i18n/en'
import {
  JOB_STATES,
  anyActive,
  canCancel,
  formatRate,
  isActive,
  kindLabelKey,
  mergeJobs,
  ownsJob,
  progressPercent,
  progressText,
  reportFile,
  reportLines,
  resultPage,
  stateLabelKey,
  stateTagType,
  type Caller,
  type Job,
} from './jobState'

function job(over: Partial<Job> = {}): Job {
  return {
    id: 'j1',
    kind: 'stats.rebuild',
    state: 'running',
    cancel_requested: false,
    progress: { done: 0, total: null, rate: null },
    owner: { type: 'user', id: 'u1', name: '市扶贫办' },
    region_code: '220300',
    created_at: '2026-12-01T10:00:00Z',
    started_at: null,
    finished_at: null,
    report: null,
    error: null,
    ...over,
  }
}

const lookup = (messages: unknown, key: string): unknown =>
  key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), messages)

describe('job states', () => {
  it('has a tag type and a label in both languages for every state', () => {
    expect(JOB_STATES.map(stateTagType)).toEqual(['info', 'primary', 'success', 'danger', 'warning'])
    for (const s of JOB_STATES) {
      expect(typeof lookup(zhCN, stateLabelKey(s)), s).toBe('string')
      expect(typeof lookup(en, stateLabelKey(s)), s).toBe('string')
    }
    expect(lookup(zhCN, stateLabelKey('succeeded'))).toBe('已完成')
    expect(stateTagType('something-new')).toBe('info')
  })

  it('labels the known kinds', () => {
    expect(lookup(zhCN, kindLabelKey('stats.rebuild'))).toBe('重建统计汇总')
    expect(typeof lookup(en, kindLabelKey('stats.rebuild'))).toBe('string')
  })

  it('tells queued and running jobs from finished ones', () => {
    expect(JOB_STATES.filter((state) => isActive({ state }))).toEqual(['queued', 'running'])
    expect(anyActive([job({ state: 'succeeded' }), job({ state: 'queued' })])).toBe(true)
    expect(anyActive([job({ state: 'succeeded' }), job({ state: 'failed' }), job({ state: 'cancelled' })])).toBe(false)
    expect(anyActive([])).toBe(false)
  })
})

describe('progress', () => {
  it('is a percentage once the total is known', () => {
    expect(progressPercent(job({ progress: { done: 0, total: null } }))).toBeNull()
    expect(progressPercent(job({ progress: { done: 0, total: 0 } }))).toBeNull()
    expect(progressPercent(job({ progress: { done: 1, total: 3 } }))).toBe(33)
    expect(progressPercent(job({ progress: { done: 5, total: 3 } }))).toBe(100)
    // a succeeded job is complete whatever its counters say
    expect(progressPercent(job({ state: 'succeeded', progress: { done: 0, total: 0 } }))).toBe(100)
    expect(progressPercent(job({ state: 'cancelled', progress: { done: 50, total: 200 } }))).toBe(25)
  })

  it('reads done / total, grouped, with ? for an unknown total', () => {
    expect(progressText({ done: 12, total: 50 })).toBe('12 / 50')
    expect(progressText({ done: 12345, total: null })).toBe('12,345 / ?')
  })

  it('formats the rate per second', () => {
    expect(formatRate(null)).toBe('—')
    expect(formatRate(undefined)).toBe('—')
    expect(formatRate(Number.NaN)).toBe('—')
    expect(formatRate(0)).toBe('0')
    expect(formatRate(0.04)).toBe('<0.1')
    expect(formatRate(2.345)).toBe('2.3')
    expect(formatRate(9.96)).toBe('10.0')
    expect(formatRate(12.6)).toBe('13')
    expect(formatRate(15234.2)).toBe('15,234')
  })
})

describe('cancelling', () => {
  const owner: Caller = { id: 'u1', kind: 'user', permissions: ['jobs:read'] }
  const other: Caller = { id: 'u2', kind: 'user', permissions: ['jobs:read'] }
  const manager: Caller = { id: 'u3', kind: 'user', permissions: ['jobs:read', 'jobs:manage'] }
  const key: Caller = { id: 'u1', kind: 'api_key', permissions: ['jobs:read'] }

  it('is offered to the owner and to jobs managers, for queued and running jobs', () => {
    expect(canCancel(job(), owner)).toBe(true)
    expect(canCancel(job({ state: 'queued' }), owner)).toBe(true)
    expect(canCancel(job(), other)).toBe(false)
    expect(canCancel(job(), manager)).toBe(true)
    // the owner is a kind and an id: an API key with the same id is someone else
    expect(ownsJob(job(), key)).toBe(false)
    expect(canCancel(job(), key)).toBe(false)
    expect(canCancel(job(), null)).toBe(false)
    expect(ownsJob(job({ owner: { type: 'system', id: null, name: null } }), { id: '', kind: 'system', permissions: [] })).toBe(false)
  })

  it('is not offered for finished jobs or jobs already being cancelled', () => {
    for (const state of ['succeeded', 'failed', 'cancelled'] as const) expect(canCancel(job({ state }), manager)).toBe(false)
    expect(canCancel(job({ cancel_requested: true }), owner)).toBe(false)
  })

  it('has readable messages for the API\'s refusals in both languages', () => {
    for (const code of ['job.finished', 'job.not_owner']) {
      expect(lookup(zhCN, `errors.codes.${code}`)).toMatch(/[\u4e00-\u9fff]/)
      expect(typeof lookup(en, `errors.codes.${code}`)).toBe('string')
    }
  })
})

describe('report', () => {
  it('lists the known figures in order with labels, then the others by name', () => {
    const lines = reportLines({ people: 812, extra: 'x', households: 300, villages: 1234, villages_with_households: 12, nested: { a: 1 } })
    expect(lines.map((l) => l.name)).toEqual(['villages', 'villages_with_households', 'households', 'people', 'extra', 'nested'])
    expect(lines[0]).toEqual({ name: 'villages', labelKey: 'jobs.report.villages', value: '1,234' })
    expect(lines[4]).toEqual({ name: 'extra', labelKey: null, value: 'x' })
    expect(lines[5].value).toBe('{"a":1}')
    for (const l of lines.filter((x) => x.labelKey)) {
      expect(typeof lookup(zhCN, l.labelKey!)).toBe('string')
      expect(typeof lookup(en, l.labelKey!)).toBe('string')
    }
    expect(reportLines(null)).toEqual([])
    expect(reportLines({})).toEqual([])
  })
})

describe('results of imports and exports', () => {
  it('counts an import report\'s figures and lists, and labels the new kinds', () => {
    const lines = reportLines({ created: 3, failed: 1, errors: [{ row: 2 }], warnings: [], dry_run: true })
    expect(lines.map((l) => [l.name, l.value])).toEqual([
      ['created', '3'],
      ['failed', '1'],
      ['errors', '1'],
      ['warnings', '0'],
      ['dry_run', 'true'],
    ])
    for (const kind of ['import.households', 'import.findings', 'export.households', 'adjustments.apply']) {
      expect(lookup(zhCN, kindLabelKey(kind)), kind).toMatch(/[\u4e00-\u9fff]/)
      expect(typeof lookup(en, kindLabelKey(kind)), kind).toBe('string')
    }
  })

  it('finds the file of an export job and the page of an import job', () => {
    expect(reportFile({ rows: 10, file: '/api/v1/jobs/j1/file' })).toBe('/api/v1/jobs/j1/file')
    expect(reportFile({ file: 'https://elsewhere/x' })).toBeNull()
    expect(reportFile(null)).toBeNull()
    expect(resultPage({ kind: 'import.households', id: 'j1' })).toEqual({ name: 'imports', query: { job: 'j1' } })
    expect(resultPage({ kind: 'import.findings', id: 'j2' })).toEqual({ name: 'imports', query: { entity: 'findings', job: 'j2' } })
    expect(resultPage({ kind: 'export.households', id: 'j1' })).toBeNull()
  })
})

describe('mergeJobs', () => {
  it('replaces jobs by id and keeps the order', () => {
    const list = [job({ id: 'a' }), job({ id: 'b' }), job({ id: 'c' })]
    const merged = mergeJobs(list, [job({ id: 'b', state: 'succeeded' }), job({ id: 'z' })])
    expect(merged.map((j) => [j.id, j.state])).toEqual([
      ['a', 'running'],
      ['b', 'succeeded'],
      ['c', 'running'],
    ])
    expect(mergeJobs(list, [])).toBe(list)
  })
})
