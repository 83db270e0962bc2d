import { describe, expect, it } from 'vitest'
import zhCN from '@/i18n/zh-CN'
import en from '@/i18n/en'
import {
  PAGE_PERMISSIONS,
  TABS,
  WEBHOOK_EVENTS,
  changeLines,
  chooseTab,
  deliveryTagType,
  emptyWindowForm,
  eventLabelKey,
  ownerName,
  pendingTagType,
  statusCodeType,
  validUrl,
  visibleTabs,
  webhookBody,
  windowBody,
  windowForm,
  windowPatch,
} from './integrationModel'
import type { AdjustmentWindow } from './types'

const lookup = (messages: unknown, key: string): unknown =>
  key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), messages)
const can = (...granted: string[]) => (p: string) => granted.includes(p)

describe('tabs', () => {
  it('show API keys and webhooks only to their managers', () => {
    expect(visibleTabs(can('api_keys:manage', 'webhooks:manage', 'adjustments:manage'))).toEqual([...TABS])
    expect(visibleTabs(can('adjustments:manage'))).toEqual(['windows', 'pending'])
    expect(visibleTabs(can('webhooks:manage'))).toEqual(['webhooks', 'windows', 'pending'])
    expect(PAGE_PERMISSIONS).toEqual(['api_keys:manage', 'webhooks:manage', 'adjustments:manage'])
    for (const tab of TABS) {
      expect(typeof lookup(zhCN, `integration.tabs.${tab}`)).toBe('string')
      expect(typeof lookup(en, `integration.tabs.${tab}`)).toBe('string')
    }
  })

  it('open the tab named in the path when the user sees it, else the first one', () => {
    expect(chooseTab('webhooks', ['webhooks', 'windows'])).toBe('webhooks')
    expect(chooseTab('api-keys', ['windows', 'pending'])).toBe('windows')
    expect(chooseTab(undefined, ['windows', 'pending'])).toBe('windows')
    expect(chooseTab(['pending'], ['windows', 'pending'])).toBe('pending')
    expect(chooseTab('x', [])).toBeNull()
  })
})

describe('webhooks', () => {
  it('label every offered event in both languages', () => {
    expect(eventLabelKey('household.*')).toBe('integration.events.household.all')
    expect(eventLabelKey('*')).toBe('integration.events.any')
    expect(eventLabelKey('household.updated')).toBe('integration.events.household.updated')
    for (const e of WEBHOOK_EVENTS) {
      expect(typeof lookup(zhCN, eventLabelKey(e)), e).toBe('string')
      expect(typeof lookup(en, eventLabelKey(e)), e).toBe('string')
    }
  })

  it('send a trimmed body without duplicate events', () => {
    expect(webhookBody({ url: ' https://p.example.cn/hook ', events: ['household.*', ' household.* ', 'member.added', ''], description: '  ', active: true })).toEqual({
      url: 'https://p.example.cn/hook',
      events: ['household.*', 'member.added'],
      description: null,
      active: true,
    })
  })

  it('accept http and https receiver URLs only', () => {
    expect(validUrl('https://p.example.cn/hook')).toBe(true)
    expect(validUrl(' http://127.0.0.1:9000/x ')).toBe(true)
    expect(validUrl('ftp://p.example.cn')).toBe(false)
    expect(validUrl('p.example.cn/hook')).toBe(false)
  })

  it('tag deliveries by state and status code, with labels for every state', () => {
    expect(['pending', 'delivered', 'failed', 'gave_up'].map(deliveryTagType)).toEqual(['info', 'success', 'warning', 'danger'])
    for (const s of ['pending', 'delivered', 'failed', 'gave_up']) {
      expect(typeof lookup(zhCN, `integration.deliveryStates.${s}`)).toBe('string')
      expect(typeof lookup(en, `integration.deliveryStates.${s}`)).toBe('string')
    }
    expect([200, 204, 301, 500, null].map(statusCodeType)).toEqual(['success', 'success', 'danger', 'danger', 'info'])
  })

  it('name the owner whatever shape it comes in', () => {
    expect(ownerName({ type: 'user', id: 'u1', name: '系统管理员' })).toBe('系统管理员')
    expect(ownerName({ type: 'api_key', id: 'k1', name: null })).toBe('k1')
    expect(ownerName('admin')).toBe('admin')
    expect(ownerName(null)).toBe('—')
  })
})

describe('adjustment windows', () => {
  const w: AdjustmentWindow = { id: 'w1', year: 2026, opens_on: '2026-12-01', closes_on: '2027-01-31', note: '年底开库', is_open: true, version: 3, region_code: null, created_at: '2026-11-01T00:00:00Z', updated_at: '2026-11-01T00:00:00Z' }

  it('map to the form and back', () => {
    expect(windowForm(w)).toEqual({ year: 2026, range: ['2026-12-01', '2027-01-31'], note: '年底开库' })
    expect(windowBody(windowForm(w))).toEqual({ ok: true, body: { year: 2026, opens_on: '2026-12-01', closes_on: '2027-01-31', note: '年底开库' } })
    expect(emptyWindowForm(new Date('2026-12-02T00:00:00Z'))).toEqual({ year: 2026, range: null, note: '' })
  })

  it('refuse a missing year or an inverted range before sending', () => {
    expect(windowBody({ year: null, range: ['2026-12-01', '2026-12-31'], note: '' })).toEqual({ ok: false, path: 'year' })
    expect(windowBody({ year: 2026, range: null, note: '' })).toEqual({ ok: false, path: 'range' })
    expect(windowBody({ year: 2026, range: ['2026-12-31', '2026-12-01'], note: '' })).toEqual({ ok: false, path: 'range' })
    expect(windowBody({ year: 2026, range: ['2026-12-01', '2026-12-01'], note: ' ' })).toEqual({
      ok: true,
      body: { year: 2026, opens_on: '2026-12-01', closes_on: '2026-12-01', note: null },
    })
  })

  it('patch only what changed', () => {
    expect(windowPatch(w, { year: 2026, opens_on: '2026-12-01', closes_on: '2027-01-31', note: '年底开库' })).toEqual({})
    expect(windowPatch(w, { year: 2026, opens_on: '2026-12-01', closes_on: '2027-02-15', note: null })).toEqual({ closes_on: '2027-02-15', note: null })
  })
})

describe('pending changes', () => {
  it('tag states, with labels for each', () => {
    expect(['pending', 'applied', 'cancelled', 'failed'].map(pendingTagType)).toEqual(['warning', 'success', 'info', 'danger'])
    for (const s of ['pending', 'applied', 'cancelled', 'failed']) expect(typeof lookup(zhCN, `integration.pendingStates.${s}`)).toBe('string')
    for (const k of ['update', 'transition']) expect(typeof lookup(en, `integration.pendingKinds.${k}`)).toBe('string')
  })

  it('list the requested changes with values through the given labels', () => {
    const labels = (field: string, v: unknown) => (field === 'attribute' && v === '2' ? '低保贫困户' : null)
    expect(changeLines({ changes: { attribute: '2', planned_exit_year: 2027, secondary_causes: ['03', '05'] } }, labels)).toEqual([
      { field: 'attribute', value: '低保贫困户' },
      { field: 'planned_exit_year', value: '2027' },
      { field: 'secondary_causes', value: '03、05' },
    ])
    expect(changeLines({ changes: { to_status: { before: 'poor', after: 'returned' }, reason: null } })).toEqual([
      { field: 'to_status', value: 'returned' },
      { field: 'reason', value: '—' },
    ])
    expect(changeLines({ changes: {} })).toEqual([])
  })
})
