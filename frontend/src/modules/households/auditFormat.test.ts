import { describe, expect, it } from 'vitest'
import { changeRows, isRead } from './auditFormat'
import { setLocale, t } from '@/i18n'

const tables: Record<string, Record<string, string>> = {
  gender: { '1': '男', '2': '女' },
  relation: { '03': '之子' },
  member_add_reason: { newborn: '新生儿' },
  member_remove_reason: { death: '死亡' },
  poverty_cause: { '01': '因病', '02': '因残' },
}
const label = (table: string, code: string) => tables[table]?.[code] ?? code

describe('audit change rows', () => {
  it('labels fields and explains coded values', () => {
    setLocale('zh-CN')
    const rows = changeRows(
      {
        action: 'member.added',
        changes: { name: [null, '张三'], gender: [null, '1'], relation: [null, '03'], reason: [null, 'newborn'], medical_insurance: [false, true] },
      },
      label,
      t,
    )
    expect(rows).toEqual([
      { field: '姓名', before: '—', after: '张三' },
      { field: '性别', before: '—', after: '男' },
      { field: '与户主关系', before: '—', after: '之子' },
      { field: '原因', before: '—', after: '新生儿' },
      { field: '城乡居民基本医疗保险', before: '否', after: '是' },
    ])
  })

  it('uses the removal reasons for removals and joins lists', () => {
    const rows = changeRows({ action: 'member.removed', changes: { reason: [null, 'death'], secondary_causes: [['01'], ['01', '02']] } }, label, t)
    expect(rows[0].after).toBe('死亡')
    expect(rows[1].after).toBe('因病、因残')
  })

  it('recognises personal-data reads', () => {
    expect(isRead({ action: 'household.personal_data_read' })).toBe(true)
    expect(isRead({ action: 'member.added' })).toBe(false)
  })
})
