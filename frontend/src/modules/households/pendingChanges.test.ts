import { afterEach, describe, expect, it } from 'vitest'
import { setLocale } from '@/i18n'
import { TABLES } from '@/stores/codes'
import { CANCEL_REASON_MIN, cancelReasonOk, pendingLines } from './pendingChanges'

const CODES: Record<string, Record<string, string>> = {
  [TABLES.attribute]: { '1': '一般贫困户', '2': '低保贫困户' },
  [TABLES.standard]: { '1': '国家标准', '2': '省定标准' },
  [TABLES.status]: { exited: '已脱贫', not_exited: '未脱贫' },
}
const codeLabel = (table: string, code: string) => CODES[table]?.[code] ?? code

describe('pendingLines', () => {
  afterEach(() => setLocale('zh-CN'))

  it('labels an update\'s locked fields in Chinese, codes through their tables', () => {
    setLocale('zh-CN')
    expect(pendingLines({ changes: { attribute: '2', identification_standard: '1' } }, codeLabel)).toEqual([
      { field: 'attribute', label: '贫困户属性', value: '低保贫困户' },
      { field: 'identification_standard', label: '识别标准', value: '国家标准' },
    ])
  })

  it('shows a status move: the new status by its label, reason and year as sent', () => {
    setLocale('zh-CN')
    const lines = pendingLines({ changes: { to_status: 'exited', reason: '收入稳定超过标准', year: 2026 } }, codeLabel)
    expect(lines.map((l) => l.value)).toEqual(['已脱贫', '收入稳定超过标准', '2026'])
    expect(lines.map((l) => l.label)).toEqual(['目标状态', '变更原因', '年度'])
  })

  it('takes the new value of {before, after}, joins lists and shows empty values as —', () => {
    setLocale('zh-CN')
    expect(pendingLines({ changes: { attribute: { before: '1', after: '2' }, secondary_causes: null, note: '' } }, codeLabel)).toEqual([
      { field: 'attribute', label: '贫困户属性', value: '低保贫困户' },
      { field: 'secondary_causes', label: '其他致贫原因', value: '—' },
      { field: 'note', label: 'note', value: '—' },
    ])
  })

  it('follows the language of the page', () => {
    setLocale('en')
    expect(pendingLines({ changes: { attribute: '1' } }, codeLabel)[0].label).not.toBe('贫困户属性')
  })
})

describe('cancelReasonOk', () => {
  it(`wants at least ${CANCEL_REASON_MIN} characters besides spaces`, () => {
    expect(cancelReasonOk('录入有误')).toBe(true)
    expect(cancelReasonOk('  错了  ')).toBe(false)
    expect(cancelReasonOk('')).toBe(false)
    expect(cancelReasonOk(null)).toBe(false)
  })
})
