import { describe, expect, it } from 'vitest'
import zhCN from '@/i18n/zh-CN'
import en from '@/i18n/en'
import { t, te } from '@/i18n'
import {
  COUNT_KEYS,
  ENCODINGS,
  ID_SCHEMES,
  STRATEGIES,
  counts,
  defaultOptions,
  encodingApplies,
  errorMessage,
  errorRow,
  PAGE_ENTITIES,
  entityOf,
  fileFormat,
  formatSize,
  hasErrorRows,
  hasMatchOptions,
  importableEntities,
  importFields,
  importFormData,
  nothingWritten,
  readReport,
} from './importModel'

const lookup = (messages: unknown, key: string): unknown =>
  key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), messages)
const tr = { t, te }

describe('import options', () => {
  it('default to the API defaults', () => {
    expect(defaultOptions()).toEqual({ strategy: 'create_and_update', atomic: false, id_scheme: 'id', encoding: 'auto' })
  })

  it('become the form fields of the upload', () => {
    expect(importFields(defaultOptions(), true)).toEqual({
      entity: 'households',
      strategy: 'create_and_update',
      atomic: 'false',
      dry_run: 'true',
      id_scheme: 'id',
      encoding: 'auto',
    })
    expect(importFields({ strategy: 'update', atomic: true, id_scheme: 'external', encoding: 'gb18030' }, false)).toEqual({
      entity: 'households',
      strategy: 'update',
      atomic: 'true',
      dry_run: 'false',
      id_scheme: 'external',
      encoding: 'gb18030',
    })
  })

  it('are sent with the file as multipart form data', () => {
    const file = new File(['户编号\n'], '导入.csv', { type: 'text/csv' })
    const form = importFormData(file, { ...defaultOptions(), encoding: 'gb18030' }, true)
    expect(form.get('dry_run')).toBe('true')
    expect(form.get('encoding')).toBe('gb18030')
    expect(form.get('entity')).toBe('households')
    const sent = form.get('file') as File
    expect(sent.name).toBe('导入.csv')
    expect(sent.size).toBe(file.size)
  })

  it('have a label for every choice in both languages', () => {
    const keys = [
      ...STRATEGIES.map((s) => `imports.strategies.${s}`),
      ...ID_SCHEMES.map((s) => `imports.idSchemes.${s}`),
      ...ID_SCHEMES.map((s) => `imports.idSchemeHints.${s}`),
      ...ENCODINGS.map((e) => `imports.encodings.${e}`),
      ...COUNT_KEYS.map((c) => `imports.counts.${c}`),
    ]
    for (const k of keys) {
      expect(typeof lookup(zhCN, k), k).toBe('string')
      expect(typeof lookup(en, k), k).toBe('string')
    }
    expect(STRATEGIES.map((s) => lookup(zhCN, `imports.strategies.${s}`))).toEqual(['新增', '更新', '新增并更新'])
    expect(COUNT_KEYS.map((c) => lookup(zhCN, `imports.counts.${c}`))).toEqual(['新增', '更新', '未变', '失败', '待调整窗口'])
  })
})

describe('what is imported', () => {
  const holding = (...granted: string[]) => (p: string) => granted.includes(p)

  it('is what the caller may import on the page', () => {
    expect(importableEntities(holding('households:write', 'jobs:read'))).toEqual(['households'])
    expect(importableEntities(holding('households:write', 'findings:write', 'jobs:read'))).toEqual(['households', 'findings'])
    // findings need jobs:read to follow the job; the page itself needs households:write
    expect(importableEntities(holding('households:write', 'findings:write'))).toEqual(['households'])
    expect(importableEntities(holding('findings:write', 'jobs:read'))).toEqual([])
  })

  it('comes from the route query, households otherwise', () => {
    expect(entityOf('findings')).toBe('findings')
    expect(entityOf('measures')).toBe('households')
    expect(entityOf(undefined)).toBe('households')
  })

  it('decides the form fields and the files taken', () => {
    expect(importFields({ ...defaultOptions(), atomic: true }, true, 'findings')).toEqual({
      entity: 'findings',
      atomic: 'true',
      dry_run: 'true',
      encoding: 'auto',
    })
    expect(hasMatchOptions('findings')).toBe(false)
    expect(hasMatchOptions('households')).toBe(true)
    expect(fileFormat('台账.xlsx', 'findings')).toBe('xlsx')
    expect(fileFormat('台账.csv', 'findings')).toBe('csv')
    expect(fileFormat('a.json', 'findings')).toBeNull()
    expect(fileFormat('a.json')).toBe('json')
  })

  it('has a label in both languages', () => {
    for (const e of PAGE_ENTITIES) {
      expect(typeof lookup(zhCN, `imports.entities.${e}`), e).toBe('string')
      expect(typeof lookup(en, `imports.entities.${e}`), e).toBe('string')
    }
    expect(lookup(zhCN, 'imports.entities.findings')).toBe('督查问题')
    expect(lookup(zhCN, 'findings.import')).toBe('批量导入')
  })
})

describe('files', () => {
  it('are accepted by their extension', () => {
    expect(fileFormat('建档立卡.CSV')).toBe('csv')
    expect(fileFormat('a.xlsx')).toBe('xlsx')
    expect(fileFormat('a.json')).toBe('json')
    expect(fileFormat('a.ndjson')).toBe('ndjson')
    expect(fileFormat('a.xls')).toBeNull()
    expect(fileFormat('csv')).toBeNull()
    expect(fileFormat('a.csv.exe')).toBeNull()
  })

  it('take the encoding option only when they are CSV', () => {
    expect(encodingApplies(null)).toBe(true)
    expect(encodingApplies('a.csv')).toBe(true)
    expect(encodingApplies('a.xlsx')).toBe(false)
    expect(encodingApplies('a.ndjson')).toBe(false)
  })

  it('show their size readably', () => {
    expect(formatSize(512)).toBe('512 B')
    expect(formatSize(2048)).toBe('2.0 KB')
    expect(formatSize(5 * 1024 * 1024)).toBe('5.0 MB')
  })
})

describe('the report', () => {
  const raw = {
    created: 3,
    updated: 1,
    unchanged: 0,
    failed: 1,
    queued: 2,
    warnings: ['隐藏的工作表“旧表”已忽略 (hidden sheet ignored)', { code: 'x', message: '未知列“备注2”' }],
    errors: [
      { row: 4, pointer: '/members/0/id_number', column: '证件号码', code: 'id_number.checksum', message: '身份证号校验位错误 (check digit mismatch)', external_id: 'P-17' },
      { row: 7, pointer: '/attribute', column: null, code: 'import.unknown_thing', message: '贫困户属性“一般户”不在代码表中 (not a code)', external_id: null },
      { row: null, pointer: null, column: null, code: '', message: 'plain english only', external_id: '' },
    ],
    dry_run: true,
    atomic: false,
  }

  it('is read from the job, with nothing while the job has none', () => {
    const r = readReport(raw)!
    expect(r.created).toBe(3)
    expect(r.queued).toBe(2)
    expect(r.errors).toHaveLength(3)
    expect(r.warnings).toEqual(['隐藏的工作表“旧表”已忽略 (hidden sheet ignored)', '未知列“备注2”'])
    expect(r.dry_run).toBe(true)
    expect(readReport(null)).toBeNull()
    expect(readReport({})).toEqual({
      created: 0,
      updated: 0,
      unchanged: 0,
      failed: 0,
      queued: 0,
      warnings: [],
      errors: [],
      dry_run: false,
      atomic: false,
      rows: null,
      errors_truncated: false,
      rolled_back: false,
    })
    expect(readReport({ rows: 1490, errors_truncated: true, rolled_back: true })).toMatchObject({ rows: 1490, errors_truncated: true, rolled_back: true })
  })

  it('lists the counts in order', () => {
    expect(counts(readReport(raw)!).map((c) => [c.key, c.value])).toEqual([
      ['created', 3],
      ['updated', 1],
      ['unchanged', 0],
      ['failed', 1],
      ['queued', 2],
    ])
  })

  it('formats error rows with Chinese messages: the server\'s without its English gloss, else the app\'s text for the code', () => {
    const r = readReport(raw)!
    expect(errorRow(r.errors[0], tr)).toEqual({ row: '4', column: '证件号码', code: 'id_number.checksum', message: '身份证号校验位错误', externalId: 'P-17' })
    expect(errorMessage({ code: 'id_number.checksum', message: 'check digit mismatch' }, tr)).toBe('身份证号校验位不正确')
    expect(errorRow(r.errors[1], tr)).toEqual({
      row: '7',
      column: 'attribute',
      code: 'import.unknown_thing',
      message: '贫困户属性“一般户”不在代码表中',
      externalId: '—',
    })
    expect(errorRow(r.errors[2], tr)).toEqual({ row: '—', column: '—', code: '—', message: 'plain english only', externalId: '—' })
  })

  it('uses the app\'s text for the code, else the server\'s English gloss in the English UI', () => {
    expect(errorMessage({ code: 'import.unknown_thing', message: '贫困户属性不在代码表中 (not a code)' }, { t: () => '', te: () => false }, false)).toBe('not a code')
    expect(errorMessage({ code: 'id_number.checksum', message: '身份证号校验位错误 (check digit mismatch)' }, { t: () => 'Wrong check digit', te: () => true }, false)).toBe(
      'Wrong check digit',
    )
    expect(errorMessage({ code: '', message: null }, tr)).toBe('—')
  })

  it('says when there is an error report and when nothing was written', () => {
    const r = readReport(raw)!
    expect(hasErrorRows(r)).toBe(true)
    expect(hasErrorRows(readReport({ created: 2 }))).toBe(false)
    expect(hasErrorRows(null)).toBe(false)
    expect(nothingWritten(r)).toBe(true) // a dry run
    expect(nothingWritten({ ...r, dry_run: false, atomic: true })).toBe(true)
    expect(nothingWritten({ ...r, dry_run: false, atomic: false })).toBe(false)
    expect(nothingWritten({ ...r, dry_run: false, atomic: true, failed: 0, errors: [] })).toBe(false)
    expect(nothingWritten({ ...r, dry_run: false, atomic: true, failed: 0, errors: [], rolled_back: true })).toBe(true)
  })
})
