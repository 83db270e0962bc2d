import { describe, expect, it } from 'vitest'
import * as labels from './labels'
import { fieldLabel, type FieldLabels } from '@/api/problem'
import { setLocale } from '@/i18n'
import zhCN from '@/i18n/zh-CN'
import en from '@/i18n/en'

const has = (messages: unknown, key: string) =>
  typeof key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), messages) === 'string'
const maps = Object.entries(labels).filter(([, v]) => typeof v === 'object') as [string, FieldLabels][]

describe('household form labels', () => {
  it.each(maps)('%s names messages that exist in both languages', (_name, map) => {
    for (const key of Object.values(map)) {
      expect(has(zhCN, key), `zh-CN ${key}`).toBe(true)
      expect(has(en, key), `en ${key}`).toBe(true)
    }
  })

  it('labels each form\'s fields its own way', () => {
    setLocale('zh-CN')
    expect(fieldLabel('members.0.id_number', labels.HOUSEHOLD_FORM_LABELS)).toBe('身份证号')
    expect(fieldLabel('members.3', labels.HOUSEHOLD_FORM_LABELS)).toBe('家庭成员')
    expect(fieldLabel('member.name', labels.MEMBER_FORM_LABELS)).toBe('姓名')
    expect(fieldLabel('reason', labels.MEMBER_FORM_LABELS)).toBe('增加原因')
    expect(fieldLabel('reason', labels.REMOVE_MEMBER_LABELS)).toBe('减少原因')
    expect(fieldLabel('reason', labels.TRANSITION_LABELS)).toBe('变更原因')
    expect(fieldLabel('safe_drinking_water', labels.HOUSEHOLD_FORM_LABELS)).toBe('饮水安全')
    expect(fieldLabel('safe_drinking_water', labels.ASSESSMENT_LABELS)).toBe('饮水安全有保障')
    // an evidence error names the item it explains
    expect(fieldLabel('evidence.basic_medical', labels.ASSESSMENT_LABELS)).toBe('基本医疗有保障')
    // the household form has no top-level name: a member's label is not borrowed for it
    expect(fieldLabel('name', labels.HOUSEHOLD_FORM_LABELS)).toBe('')
  })

  it('labels exit figures and unknown audit fields readably', () => {
    setLocale('zh-CN')
    expect(labels.exitFigureLabel('per_capita_net_income')).toBe('人均纯收入')
    expect(labels.householdAuditFieldLabel('head_name', { action: 'household.head_changed' })).toBe('户主姓名')
    expect(labels.householdAuditFieldLabel('brand_new', { action: 'household.updated' })).toBe('brand_new')
    expect(labels.householdAuditValueTable('reason', { action: 'member.removed', entity_type: 'member' })).toBe('member_remove_reason')
    expect(labels.householdAuditValueTable('reason', { action: 'household.status_changed', entity_type: 'household' })).toBeNull()
  })
})
