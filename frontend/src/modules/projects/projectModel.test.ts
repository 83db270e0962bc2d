import { describe, expect, it } from 'vitest'
import { ApiError } from '@/api/problem'
import { amountOut, cents, changedFields, ganttRows, healthStyle, overdraftFigures, percent, stageActions, sumMoney } from './projectModel'

describe('health', () => {
  it('colours on_track green, at_risk amber, overdue red', () => {
    expect(healthStyle('on_track').tag).toBe('success')
    expect(healthStyle('at_risk').tag).toBe('warning')
    expect(healthStyle('overdue')).toEqual({ tag: 'danger', colour: '#c0392b' })
    expect(healthStyle('whatever').tag).toBe('info')
  })
})

describe('stage actions', () => {
  const township = ['projects:read', 'projects:write', 'projects:review']
  const county = [...township, 'projects:approve', 'funds:write']
  it('a township reviews a declaration but neither approves nor removes', () => {
    expect(stageActions('declared', township, 4)).toEqual(['reviewed'])
    expect(stageActions('reviewed', township, 4)).toEqual([])
  })
  it('the county approves, enters into the library and removes', () => {
    expect(stageActions('reviewed', county, 3)).toEqual(['approved', 'removed'])
    expect(stageActions('approved', county, 3)).toEqual(['in_library', 'removed'])
    expect(stageActions('in_library', township, 4)).toEqual(['implementing'])
    expect(stageActions('completed', county, null)).toEqual([])
  })
  it('a permission held too deep does not count', () => {
    expect(stageActions('reviewed', county, 4)).toEqual([])
  })
})

describe('money', () => {
  it('sums decimal strings exactly', () => {
    expect(sumMoney(['0.10', '0.20'])).toBe('0.30')
    expect(sumMoney(['100000.00', '-2500.5', '1'])).toBe('97500.50')
    expect(sumMoney([])).toBe('0.00')
    expect(sumMoney(['-3.00', '1.00'])).toBe('-2.00')
  })
  it('reads cents and refuses other text', () => {
    expect(cents('12.3')).toBe(1230)
    expect(cents('-0.05')).toBe(-5)
    expect(cents('1.234')).toBeNaN()
    expect(cents('abc')).toBeNaN()
  })
  it('writes an input amount as a two-place string', () => {
    expect(amountOut(1234.5)).toBe('1234.50')
    expect(amountOut(0.1 + 0.2)).toBe('0.30')
    expect(amountOut(null)).toBeNull()
  })
  it('shows shares as percentages', () => {
    expect(percent('0.4567')).toBe('45.7%')
    expect(percent(null)).toBe('—')
  })
})

describe('gantt rows', () => {
  it('runs each bar from the previous planned date and marks done, late and open', () => {
    const rows = ganttRows(
      [
        { id: 'b', name: '主体施工', due_on: '2026-06-30', done_on: null, position: 1 },
        { id: 'a', name: '招标', due_on: '2026-03-31', done_on: '2026-03-20', position: 0 },
        { id: 'c', name: '验收', due_on: '2026-12-31', done_on: null, position: 2 },
      ],
      '2026-01-01',
      '2026-07-15',
    )
    expect(rows.map((r) => [r.id, r.start, r.end, r.state])).toEqual([
      ['a', '2026-01-01', '2026-03-31', 'done'],
      ['b', '2026-03-31', '2026-06-30', 'late'],
      ['c', '2026-06-30', '2026-12-31', 'open'],
    ])
  })
  it('a milestone due before the planned start starts at its own date', () => {
    const [row] = ganttRows([{ id: 'a', name: 'x', due_on: '2025-12-01', done_on: null, position: 0 }], '2026-01-01', '2025-11-01')
    expect([row.start, row.end, row.state]).toEqual(['2025-12-01', '2025-12-01', 'open'])
  })
})

describe('overdraft figures', () => {
  it('reads the extension members of funds.overdraft', () => {
    const e = new ApiError(409, {
      code: 'funds.overdraft',
      detail: '超出可用资金',
      source: 'central',
      allocated: '100000.00',
      disbursed: '20000.00',
      requested: '90000.00',
      available: '80000.00',
    })
    expect(overdraftFigures(e)).toEqual({ source: 'central', allocated: '100000.00', disbursed: '20000.00', requested: '90000.00', available: '80000.00' })
  })
  it('is null for other errors', () => {
    expect(overdraftFigures(new ApiError(409, { code: 'conflict' }))).toBeNull()
    expect(overdraftFigures(null)).toBeNull()
  })
})

describe('changed fields of the edit form', () => {
  const project = {
    code: 'XM-1', name: '肉牛养殖', category: 'industry', level: 'county', nature: 'new', year: 2026,
    region_codes: ['220382102000', '220382102201'], responsible_unit: '卧虎镇人民政府', responsible_person: null,
    planned_start_on: '2026-03-01', due_on: '2026-10-31', benefit_mechanism: '入股分红',
  }
  const form = () => ({ ...project, region_codes: [...project.region_codes] as (string | null)[], responsible_person: '', benefit_mechanism: '入股分红' })
  it('sends nothing when nothing changed (the locations in another order, blank spaces around texts)', () => {
    expect(changedFields(project, { ...form(), region_codes: ['220382102201', '220382102000', null], name: ' 肉牛养殖 ' })).toEqual({})
  })
  it('sends only the changed fields, an emptied optional text as null', () => {
    expect(changedFields(project, { ...form(), name: '肉牛养殖二期', due_on: '2026-11-30', benefit_mechanism: '  ', responsible_person: '张三' })).toEqual({
      name: '肉牛养殖二期', due_on: '2026-11-30', benefit_mechanism: null, responsible_person: '张三',
    })
    expect(changedFields(project, { ...form(), region_codes: ['220382102000'] })).toEqual({ region_codes: ['220382102000'] })
  })
})
