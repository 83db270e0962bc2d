import { describe, expect, it } from 'vitest'
import type { ScoreItem } from './api'
import {
  defaultPeriod,
  dimensionsOf,
  formatValue,
  groupByDimension,
  hundredths,
  indicatorBody,
  indicatorRow,
  newIndicatorRow,
  periodActions,
  periodCode,
  rankingDimensions,
  recordLink,
  sharePercent,
  stateTagType,
  sumPoints,
  totalWeight,
  unrankedUnits,
} from './assessmentModel'

function item(over: Partial<ScoreItem>): ScoreItem {
  return {
    code: 'x', name: 'x', dimension: '精准帮扶', metric: 'visit_coverage', rule: 'ratio', weight: '12',
    numerator: 0, denominator: 0, count: 0, value: null, score: '0.00', explanation: '', ...over,
  }
}

describe('periods', () => {
  it('writes the codes the API takes', () => {
    expect(periodCode(2026, '')).toBe('2026')
    expect(periodCode(2026, 'H1')).toBe('2026H1')
    expect(periodCode(2025, 'Q4')).toBe('2025Q4')
  })
  it('tags the states', () => {
    expect(stateTagType('open')).toBe('info')
    expect(stateTagType('computed')).toBe('primary')
    expect(stateTagType('frozen')).toBe('success')
  })
  it('offers compute and freeze to managers only, never on a frozen period, freeze only once computed', () => {
    expect(periodActions('open', true)).toEqual({ compute: true, freeze: false })
    expect(periodActions('computed', true)).toEqual({ compute: true, freeze: true })
    expect(periodActions('frozen', true)).toEqual({ compute: false, freeze: false })
    expect(periodActions('computed', false)).toEqual({ compute: false, freeze: false })
  })
  it('shows the period asked for, else the newest frozen, else the newest', () => {
    const periods = [{ period: '2026', state: 'computed' }, { period: '2026H1', state: 'frozen' }, { period: '2025', state: 'frozen' }]
    expect(defaultPeriod(periods, '2025')).toBe('2025')
    expect(defaultPeriod(periods, '2019')).toBe('2026H1')
    expect(defaultPeriod(periods)).toBe('2026H1')
    expect(defaultPeriod([{ period: '2026', state: 'open' }])).toBe('2026')
    expect(defaultPeriod([])).toBeNull()
  })
})

describe('dimensions and points', () => {
  it('orders the four dimensions, then any other', () => {
    expect(dimensionsOf(['扶贫资金', '其他', '减贫成效', '精准帮扶'])).toEqual(['减贫成效', '精准帮扶', '扶贫资金', '其他'])
    expect(rankingDimensions([{ dimensions: { 精准帮扶: '1', 精准识别: '2' } }, { dimensions: { 减贫成效: '3' } }])).toEqual(['减贫成效', '精准识别', '精准帮扶'])
  })
  it('sums points exactly', () => {
    expect(sumPoints(['0.10', '0.20'])).toBe('0.30')
    expect(sumPoints(['7.78', '12', '9.00'])).toBe('28.78')
    expect(sumPoints([])).toBe('0.00')
    expect(sumPoints(['1', 'abc'])).toBeNull()
    expect(sumPoints(['-3', '1'])).toBe('-2.00')
    expect(hundredths('0.125')).toBe(13)
    expect(hundredths('')).toBeNull()
  })
  it('groups a score by dimension with points and full marks', () => {
    const groups = groupByDimension([
      item({ code: 'v', dimension: '精准帮扶', weight: '12', score: '7.78' }),
      item({ code: 'w', dimension: '减贫成效', weight: '20', score: '16.00', rule: 'deduction' }),
      item({ code: 'm', dimension: '精准帮扶', weight: '12', score: '12.00' }),
    ])
    expect(groups.map((g) => g.dimension)).toEqual(['减贫成效', '精准帮扶'])
    expect(groups[1]).toMatchObject({ points: '19.78', weight: '24.00' })
    expect(groups[1].items.map((i) => i.code)).toEqual(['v', 'm'])
  })
  it('shows a ratio as a percentage and a deduction as its count', () => {
    expect(formatValue({ rule: 'ratio', value: '0.4038' })).toBe('40.38%')
    expect(formatValue({ rule: 'deduction', value: '3' })).toBe('3')
    expect(formatValue({ rule: 'ratio', value: null })).toBe('—')
    expect(sharePercent('0.5')).toBe('50%')
    expect(sharePercent('0.125')).toBe('12.5%')
    expect(sharePercent(null)).toBe('—')
  })
})

describe('records', () => {
  it('links households, findings and the project of a milestone; a village has no page', () => {
    expect(recordLink({ record_type: 'household', id: 'h1', household_id: 'h1', project_id: null })).toEqual({ name: 'household', params: { id: 'h1' } })
    expect(recordLink({ record_type: 'finding', id: 'f1' })).toEqual({ name: 'finding', params: { id: 'f1' } })
    expect(recordLink({ record_type: 'milestone', id: 'm1', project_id: 'p1' })).toEqual({ name: 'project', params: { id: 'p1' } })
    expect(recordLink({ record_type: 'milestone', id: 'm1', project_id: null })).toBeNull()
    expect(recordLink({ record_type: 'village', id: '220382102201' })).toBeNull()
  })
  it('lists the units the ranking does not hold', () => {
    const units = [{ code: 'a' }, { code: 'b' }, { code: 'c' }]
    expect(unrankedUnits(units, ['a', 'c'])).toEqual([{ code: 'b' }])
    expect(unrankedUnits(units, new Set(['a', 'b', 'c']))).toEqual([])
  })
})

describe('indicator editor', () => {
  const ratio = { code: 'jzbf_visits', dimension: '精准帮扶', metric: 'visit_coverage', name: '帮扶走访覆盖', weight: '12', rule: 'ratio', target: '1', floor: '0.5', per_item: null }
  const deduction = { code: 'jzbf_overdue', dimension: '精准帮扶', metric: 'overdue_findings', name: '督查问题按期整改', weight: '6', rule: 'deduction', target: null, floor: null, per_item: '2' }
  it('sends what was typed, the fields the rule does not use as null', () => {
    expect(indicatorBody(indicatorRow(ratio))).toEqual({ ...ratio, per_item: null })
    expect(indicatorBody({ ...indicatorRow(ratio), per_item: '3', floor: ' ' })).toEqual({ ...ratio, floor: null, per_item: null })
    expect(indicatorBody({ ...indicatorRow(deduction), target: '1' })).toEqual(deduction)
    // a bad value is sent as typed: the API says at the field what is wrong
    expect(indicatorBody({ ...indicatorRow(ratio), weight: '-3' }).weight).toBe('-3')
  })
  it('totals the weights typed', () => {
    expect(totalWeight([{ weight: '12' }, { weight: '6.5' }])).toBe('18.50')
    expect(totalWeight([{ weight: '12' }, { weight: 'x' }])).toBeNull()
  })
  it('starts a new indicator with its metric rule and a free code', () => {
    const row = newIndicatorRow({ code: 'overdue_findings', kind: 'count', label: '逾期问题' }, '精准帮扶', ['overdue_findings_1'])
    expect(row).toMatchObject({ code: 'overdue_findings_2', rule: 'deduction', per_item: '1', target: '', floor: '', name: '逾期问题' })
    expect(newIndicatorRow({ code: 'residency', kind: 'ratio', label: '驻村' }, '精准帮扶', []).rule).toBe('ratio')
  })
})
