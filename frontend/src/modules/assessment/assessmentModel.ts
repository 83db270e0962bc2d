/** What the assessment pages show: period codes, state tags, dimensions, indicator groups and their sums, record
 * links, the indicator editor's rows and the body they send. Pure functions. */
import type { RouteLocationRaw } from 'vue-router'
import type { FactRecord, Indicator, IndicatorIn, Level, RankingItem, ScoreItem } from './api'

/** The four dimensions of the national effectiveness assessment, in the order the pages show them. */
export const DIMENSIONS = ['减贫成效', '精准识别', '精准帮扶', '扶贫资金'] as const
export type Dimension = IndicatorIn['dimension']
export type MetricCode = IndicatorIn['metric']
export const LEVELS: readonly Level[] = ['township', 'village']

/** The parts of a year a period may cover: '' the year, H1/H2 a half, Q1…Q4 a quarter. */
export const PERIOD_PARTS = ['', 'H1', 'H2', 'Q1', 'Q2', 'Q3', 'Q4'] as const
export type PeriodPart = (typeof PERIOD_PARTS)[number]

/** "2026" + "H1" → "2026H1", the code the API takes. */
export function periodCode(year: number, part: PeriodPart): string {
  return `${year}${part}`
}

export type TagType = 'info' | 'primary' | 'success' | 'warning' | 'danger'

/** open (进行中) grey, computed (已计算) blue, frozen (已冻结) green. */
export function stateTagType(state: string): TagType {
  if (state === 'frozen') return 'success'
  if (state === 'computed') return 'primary'
  return 'info'
}

/** Only a period not frozen may be computed; only a computed one frozen (freezing computes once more anyway, but
 * publishing a ranking nobody has seen is not offered). */
export function periodActions(state: string, canManage: boolean): { compute: boolean; freeze: boolean } {
  if (!canManage || state === 'frozen') return { compute: false, freeze: false }
  return { compute: true, freeze: state === 'computed' }
}

/** The period shown first: the one asked for if it exists, else the newest frozen, else the newest. */
export function defaultPeriod(periods: readonly { period: string; state: string }[], asked?: string | null): string | null {
  if (asked && periods.some((p) => p.period === asked)) return asked
  return (periods.find((p) => p.state === 'frozen') ?? periods[0])?.period ?? null
}

/** The dimensions named by rows or indicators: the known four in their order, then any other. */
export function dimensionsOf(names: Iterable<string>): string[] {
  const seen = new Set(names)
  const known: string[] = DIMENSIONS.filter((d) => seen.has(d))
  return [...known, ...[...seen].filter((d) => !known.includes(d)).sort()]
}

/** The dimension columns of a ranking page. */
export function rankingDimensions(items: readonly Pick<RankingItem, 'dimensions'>[]): string[] {
  return dimensionsOf(items.flatMap((i) => Object.keys(i.dimensions)))
}

/** Hundredths of a decimal string ("12.5" → 1250), or null for anything else. */
export function hundredths(v: string | number | null | undefined): number | null {
  if (v === null || v === undefined) return null
  const s = String(v).trim()
  const m = /^(-?)(\d+)(?:\.(\d{1,4}))?$/.exec(s)
  if (!m) return null
  const frac = (m[3] ?? '').padEnd(4, '0')
  // round half up on the third and fourth places
  const whole = Number(m[2]) * 100 + Number(frac.slice(0, 2)) + (Number(frac.slice(2)) >= 50 ? 1 : 0)
  return m[1] ? -whole : whole
}

function fromHundredths(n: number): string {
  const sign = n < 0 ? '-' : ''
  const a = Math.abs(n)
  return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`
}

/** The exact sum of decimal strings with two places ("12" + "0.5" → "12.50"); null when one is not a number. */
export function sumPoints(values: readonly (string | number | null | undefined)[]): string | null {
  let total = 0
  for (const v of values) {
    const h = hundredths(v)
    if (h === null) return null
    total += h
  }
  return fromHundredths(total)
}

export interface DimensionGroup {
  dimension: string
  items: ScoreItem[]
  points: string
  weight: string
}

/** A score's indicators by dimension (in order), each group with its points and its full marks. */
export function groupByDimension(items: readonly ScoreItem[]): DimensionGroup[] {
  return dimensionsOf(items.map((i) => i.dimension)).map((dimension) => {
    const own = items.filter((i) => i.dimension === dimension)
    return {
      dimension,
      items: own,
      points: sumPoints(own.map((i) => i.score)) ?? '—',
      weight: sumPoints(own.map((i) => i.weight)) ?? '—',
    }
  })
}

/** A ratio as a percentage with two places ("0.4038" → "40.38%"); a deduction's value is the records counted. */
export function formatValue(item: Pick<ScoreItem, 'rule' | 'value'>): string {
  if (item.value === null || item.value === undefined || item.value === '') return '—'
  if (item.rule !== 'ratio') return item.value
  const n = Number(item.value)
  return Number.isFinite(n) ? `${(n * 100).toFixed(2)}%` : item.value
}

/** A share (0–1) as a percentage for the indicator table ("0.5" → "50%"); '—' when none. */
export function sharePercent(v: string | null | undefined): string {
  if (v === null || v === undefined || v === '') return '—'
  const n = Number(v)
  return Number.isFinite(n) ? `${Number((n * 100).toFixed(2))}%` : v
}

/** Where a record of the drill-down leads in the SPA: its household, finding or project; a village has no page. */
export function recordLink(record: Pick<FactRecord, 'record_type' | 'id' | 'household_id' | 'project_id'>): RouteLocationRaw | null {
  if (record.record_type === 'household' && record.household_id) return { name: 'household', params: { id: record.household_id } }
  if (record.record_type === 'finding') return { name: 'finding', params: { id: record.id } }
  if (record.record_type === 'milestone' && record.project_id) return { name: 'project', params: { id: record.project_id } }
  return null
}

/** The record types the records table names (i18n key suffixes under assessment.recordTypes). */
export const RECORD_TYPES = ['household', 'finding', 'milestone', 'village'] as const

/** An indicator as the editor holds it: every number a text field, so what the user typed reaches the API (which
 * says at the field what is wrong with it). */
export interface IndicatorRow {
  code: string
  dimension: Dimension
  metric: MetricCode
  name: string
  weight: string
  rule: IndicatorIn['rule']
  target: string
  floor: string
  per_item: string
}

export function indicatorRow(i: Indicator): IndicatorRow {
  return {
    code: i.code,
    dimension: i.dimension as Dimension,
    metric: i.metric as MetricCode,
    name: i.name,
    weight: i.weight,
    rule: i.rule as IndicatorIn['rule'],
    target: i.target ?? '',
    floor: i.floor ?? '',
    per_item: i.per_item ?? '',
  }
}

/** A ratio metric is scored by `ratio` (target, floor), a count metric by `deduction` (per item). */
export function ruleFor(kind: string): IndicatorIn['rule'] {
  return kind === 'count' ? 'deduction' : 'ratio'
}

/** A new row for a metric: its rule, and the fields that rule does not use left empty. */
export function newIndicatorRow(metric: { code: string; kind: string; label: string }, dimension: Dimension, taken: readonly string[]): IndicatorRow {
  let n = 1
  while (taken.includes(`${metric.code}_${n}`)) n++
  const rule = ruleFor(metric.kind)
  return {
    code: `${metric.code}_${n}`.slice(0, 40),
    dimension,
    metric: metric.code as MetricCode,
    name: metric.label,
    weight: '',
    rule,
    target: rule === 'ratio' ? '1' : '',
    floor: rule === 'ratio' ? '0' : '',
    per_item: rule === 'deduction' ? '1' : '',
  }
}

const blank = (v: string): string | null => (v.trim() === '' ? null : v.trim())

/** The body of one indicator: the fields its rule uses, empty ones as null. */
export function indicatorBody(row: IndicatorRow): IndicatorIn {
  const ratio = row.rule === 'ratio'
  return {
    code: row.code.trim(),
    dimension: row.dimension,
    metric: row.metric,
    name: row.name.trim(),
    weight: row.weight.trim(),
    rule: row.rule,
    target: ratio ? blank(row.target) : null,
    floor: ratio ? blank(row.floor) : null,
    per_item: ratio ? null : blank(row.per_item),
  }
}

/** The total of the weights typed, or null while one is not a number. */
export function totalWeight(rows: readonly Pick<IndicatorRow, 'weight'>[]): string | null {
  return sumPoints(rows.map((r) => r.weight))
}

/** The years the indicator page offers: from next year back to 2018. */
export function indicatorYears(thisYear: number): number[] {
  return Array.from({ length: thisYear + 2 - 2018 }, (_, i) => thisYear + 1 - i)
}

/** The codes of the units of a level in the area that the ranking does not hold (not ranked: nothing to assess). */
export function unrankedUnits<T extends { code: string }>(units: readonly T[], rankedCodes: Iterable<string>): T[] {
  const ranked = new Set(rankedCodes)
  return units.filter((u) => !ranked.has(u.code))
}
