import { describe, expect, it } from 'vitest'
import { actionLabel, changeRows, isRead, type AuditFormat } from './auditFormat'
import { householdAuditFieldLabel, householdAuditValueTable } from '@/modules/households/labels'
import { setLocale, t, te } from '@/i18n'

const tables: Record<string, Record<string, string>> = {
  gender: { '1': '男', '2': '女' },
  relation: { '03': '之子' },
  member_add_reason: { newborn: '新生儿' },
  member_remove_reason: { death: '死亡' },
  poverty_cause: { '01': '因病', '02': '因残' },
  project_stage: { building: '在建' },
}
const codeLabel = (table: string, code: string) => tables[table]?.[code] ?? code
const household: AuditFormat = { fieldLabel: householdAuditFieldLabel, valueTable: householdAuditValueTable, codeLabel, t, te }

describe('audit change rows', () => {
  it('labels fields and explains coded values', () => {
    setLocale('zh-CN')
    const rows = changeRows(
      {
        action: 'member.added',
        changes: { name: [null, '张三'], gender: [null, '1'], relation: [null, '03'], reason: [null, 'newborn'], medical_insurance: [false, true] },
      },
      household,
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
    const rows = changeRows({ action: 'member.removed', changes: { reason: [null, 'death'], secondary_causes: [['01'], ['01', '02']] } }, household)
    expect(rows[0].after).toBe('死亡')
    expect(rows[1].after).toBe('因病、因残')
  })

  it('labels a field by the entity of the event', () => {
    setLocale('zh-CN')
    const water = { safe_drinking_water: [false, true] }
    expect(changeRows({ action: 'household.updated', entity_type: 'household', changes: water }, household)[0].field).toBe('饮水安全')
    expect(changeRows({ action: 'assessment.updated', entity_type: 'assessment', changes: water }, household)[0].field).toBe('饮水安全有保障')
  })

  it('takes the labels and code tables of another domain', () => {
    const project: AuditFormat = {
      fieldLabel: (f) => ({ name: '项目名称', stage: '阶段' })[f] ?? f,
      valueTable: (f) => (f === 'stage' ? 'project_stage' : null),
      codeLabel,
      t,
      te,
    }
    const rows = changeRows({ action: 'project.updated', changes: { name: ['旧', '新'], stage: [null, 'building'], budget: ['1', '2'] } }, project)
    expect(rows).toEqual([
      { field: '项目名称', before: '旧', after: '新' },
      { field: '阶段', before: '—', after: '在建' },
      { field: 'budget', before: '1', after: '2' },
    ])
  })

  it('recognises personal-data reads and names actions', () => {
    setLocale('zh-CN')
    expect(isRead({ action: 'household.personal_data_read' })).toBe(true)
    expect(isRead({ action: 'member.added' })).toBe(false)
    expect(changeRows({ action: 'household.personal_data_read', changes: { read: [null, 'members'] } }, household)[0]).toEqual({
      field: '查看内容',
      before: '—',
      after: '成员列表',
    })
    expect(actionLabel('member.added', t, te)).toBe('增加成员')
    expect(actionLabel('survey.created', t, te)).toBe('survey.created')
    expect(actionLabel('project.stage_changed', t, te)).toBe('项目阶段变更')
    expect(actionLabel('fund_disbursement.created', t, te)).toBe('录入报账（含冲正）')
  })
})
