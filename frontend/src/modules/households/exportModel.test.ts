import { describe, expect, it } from 'vitest'
import zhCN from '@/i18n/zh-CN'
import en from '@/i18n/en'
import { listQuery } from './api'
import { EXPORT_CHOICES, exportFormat, exportJobBody, exportQuery, exportUrl, isTooLarge } from './exportModel'

const lookup = (messages: unknown, key: string): unknown =>
  key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), messages)

describe('the export of the household list', () => {
  const filters = {
    region: '220382103000',
    status: 'exited_enjoying',
    attribute: null,
    main_cause: '',
    identified_year: 2016,
    exit_year: null,
    q: '  张  ',
    member_health: null,
    member_labour: null,
    sort: 'household_number',
  }

  it('sends the list\'s own filter query (empty filters left out, status as a list, q trimmed)', () => {
    expect(listQuery(filters)).toEqual({ region: '220382103000', status: ['exited_enjoying'], identified_year: 2016, q: '张', sort: 'household_number' })
    expect(listQuery({})).toEqual({ status: undefined, sort: undefined })
  })

  it('offers four files, each with a label in both languages', () => {
    expect(EXPORT_CHOICES.map(exportFormat)).toEqual([
      { format: 'csv', encoding: 'utf-8' },
      { format: 'csv', encoding: 'gb18030' },
      { format: 'xlsx' },
      { format: 'ndjson' },
    ])
    for (const c of EXPORT_CHOICES) {
      expect(typeof lookup(zhCN, `exports.choices.${c}`), c).toBe('string')
      expect(typeof lookup(en, `exports.choices.${c}`), c).toBe('string')
    }
    expect(lookup(zhCN, 'exports.choices.csv-utf8')).toBe('CSV（Excel，UTF-8）')
  })

  it('becomes the export URL with the same filter parameters as the list', () => {
    const q = listQuery(filters)
    expect(exportQuery(q, 'xlsx')).toEqual({ region: '220382103000', status: ['exited_enjoying'], identified_year: 2016, q: '张', format: 'xlsx' })
    const url = new URL(exportUrl(q, 'csv-gb18030'), 'http://x')
    expect(url.pathname).toBe('/api/v1/households/export')
    expect([...url.searchParams.entries()]).toEqual([
      ['region', '220382103000'],
      ['status', 'exited_enjoying'],
      ['identified_year', '2016'],
      ['q', '张'],
      ['format', 'csv'],
      ['encoding', 'gb18030'],
    ])
    expect(exportUrl(listQuery({}), 'ndjson')).toBe('/api/v1/households/export?format=ndjson')
  })

  it('becomes the body of an export job with the same filters', () => {
    expect(exportJobBody(listQuery(filters), 'csv-utf8')).toEqual({
      entity: 'households',
      format: 'csv',
      encoding: 'utf-8',
      // the sort is the list's own: an export is in household-number order
      filters: { region: '220382103000', status: ['exited_enjoying'], identified_year: 2016, q: '张' },
    })
    expect(exportJobBody(listQuery({}), 'xlsx')).toEqual({ entity: 'households', format: 'xlsx', filters: {} })
  })

  it('tells a list too large to stream from other refusals', () => {
    expect(isTooLarge({ status: 413, code: 'export.too_large' })).toBe(true)
    expect(isTooLarge({ status: 413, code: '' })).toBe(true)
    expect(isTooLarge({ status: 413, code: 'import.too_large' })).toBe(false)
    expect(isTooLarge({ status: 422, code: 'export.too_large' })).toBe(false)
    expect(typeof lookup(zhCN, 'errors.codes.export.too_large')).toBe('string')
  })
})
