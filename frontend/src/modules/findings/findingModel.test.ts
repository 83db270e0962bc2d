import { describe, expect, it } from 'vitest'
import { STATE_COLUMNS, byState, changedFields, findingActions, findingNumber, formOf, overdueStyle, regionPrefix, reinspectionOf, within } from './findingModel'

const INSPECTOR = { permissions: ['findings:read', 'findings:write', 'findings:close'], roles: ['inspector'], regionCode: '220300000000' }
const CITY = { permissions: ['findings:read', 'findings:write', 'findings:rectify', 'findings:close'], roles: ['city_office'], regionCode: '220300000000' }
const TOWNSHIP = { permissions: ['findings:read', 'findings:rectify'], roles: ['township_office'], regionCode: '220382102000' }
const AUDITOR = { permissions: ['findings:read'], roles: ['auditor'], regionCode: null }
const WOHU = '220382102000'

describe('board columns', () => {
  it('has the six states in workflow order, each column present even when empty', () => {
    expect(STATE_COLUMNS).toEqual(['pending', 'rectifying', 'submitted', 'closed', 'returned', 'transferred'])
    const cols = byState([
      { id: 1, state: 'pending' },
      { id: 2, state: 'submitted' },
      { id: 3, state: 'pending' },
      { id: 4, state: 'bogus' },
    ])
    expect(cols.pending.map((r) => r.id)).toEqual([1, 3])
    expect(cols.submitted.map((r) => r.id)).toEqual([2])
    expect(cols.closed).toEqual([])
    expect(Object.keys(cols)).toEqual([...STATE_COLUMNS])
  })
})

describe('areas', () => {
  it('takes the significant prefix of each level', () => {
    expect(regionPrefix('220000000000')).toBe('22')
    expect(regionPrefix('220300000000')).toBe('2203')
    expect(regionPrefix('220382000000')).toBe('220382')
    expect(regionPrefix('220382102000')).toBe('220382102')
    expect(regionPrefix('220382102201')).toBe('220382102201')
  })
  it('knows a region inside another', () => {
    expect(within('220382102201', WOHU)).toBe(true)
    expect(within(WOHU, WOHU)).toBe(true)
    expect(within('220382103000', WOHU)).toBe(false)
    expect(within('220382000000', WOHU)).toBe(false)
    expect(within(WOHU, null)).toBe(true)
  })
})

describe('moves a caller may make', () => {
  it('lets the township start and submit, never close or return its own finding', () => {
    expect(findingActions('pending', WOHU, TOWNSHIP)).toEqual(['rectifying'])
    expect(findingActions('rectifying', WOHU, TOWNSHIP)).toEqual(['submitted'])
    expect(findingActions('submitted', WOHU, TOWNSHIP)).toEqual([])
    expect(findingActions('returned', WOHU, TOWNSHIP)).toEqual(['rectifying'])
  })
  it('lets the inspector verify and transfer anywhere', () => {
    expect(findingActions('submitted', WOHU, INSPECTOR)).toEqual(['closed', 'returned', 'transferred'])
    expect(findingActions('submitted', '220300000000', INSPECTOR)).toEqual(['closed', 'returned', 'transferred'])
    expect(findingActions('pending', WOHU, INSPECTOR)).toEqual(['transferred'])
  })
  it('lets the city office verify a township finding but not its own', () => {
    expect(findingActions('submitted', WOHU, CITY)).toEqual(['closed', 'returned', 'transferred'])
    expect(findingActions('submitted', '220300000000', CITY)).toEqual(['transferred'])
  })
  it('offers nothing once closed or transferred, and nothing to a reader', () => {
    expect(findingActions('closed', WOHU, INSPECTOR)).toEqual([])
    expect(findingActions('transferred', WOHU, CITY)).toEqual([])
    expect(findingActions('submitted', WOHU, AUDITOR)).toEqual([])
  })
})

describe('overdue colour and number', () => {
  it('is red only while open and past the deadline', () => {
    expect(overdueStyle({ overdue: true, state: 'rectifying' })?.tag).toBe('danger')
    expect(overdueStyle({ overdue: false, state: 'rectifying' })).toBeNull()
    expect(overdueStyle({ overdue: true, state: 'closed' })).toBeNull()
  })
  it('writes the number with its year', () => {
    expect(findingNumber({ year: 2026, number: 7 })).toBe('2026-007')
  })
})

describe('the finding form', () => {
  const finding = {
    source: 'provincial_inspection',
    batch: '2026年省委第三巡视组',
    category: 'precision',
    severity: 'serious',
    timeframe: 'short',
    description: '档案信息不准确',
    region_code: '220382102000',
    lead_unit: '县扶贫办',
    responsible_unit: '卧虎镇',
    responsible_person: null,
    raised_on: '2026-03-01',
    deadline: '2026-06-30',
    links: [
      { type: 'household', id: 'h1', label: '220382102001000001 张三' },
      { type: 'measure', id: 'm1', label: '2026年 产业帮扶' },
      { type: 'project', id: 'p1', label: 'XM-1 饮水工程' },
    ],
  }

  it('splits the links by kind and keeps the kinds it has no picker for', () => {
    const form = formOf(finding)
    expect(form.households).toEqual(['h1'])
    expect(form.projects).toEqual(['p1'])
    expect(form.others).toEqual([{ type: 'measure', id: 'm1' }])
    expect(form.responsible_person).toBe('')
  })

  it('sends only what changed, an emptied person as null', () => {
    const before = formOf({ ...finding, responsible_person: '李四' })
    const now = { ...before, deadline: '2026-07-31', responsible_person: '', households: [] }
    expect(changedFields(before, now)).toEqual({ deadline: '2026-07-31', responsible_person: null, households: [] })
    expect(changedFields(before, { ...before })).toEqual({})
  })

  it('re-inspects with source 回头看, the same unit and links, found today', () => {
    const form = reinspectionOf(finding, '2026-12-03')
    expect(form.source).toBe('re_inspection')
    expect([form.batch, form.description, form.deadline]).toEqual(['', '', ''])
    expect(form.raised_on).toBe('2026-12-03')
    expect([form.responsible_unit, form.region_code, form.category]).toEqual(['卧虎镇', '220382102000', 'precision'])
    expect(form.households).toEqual(['h1'])
  })
})
