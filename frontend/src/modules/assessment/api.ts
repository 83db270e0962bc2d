/**
 * Assessment (考核排名) endpoints: metrics, a year's indicator set (If-Match), periods, computing and freezing
 * (jobs), rankings, a unit's score and the records behind an indicator, typed by the generated contract.
 */
import { api, ifMatch, unwrap } from '@/api/client'
import { download } from '@/api/http'
import type { components } from '@/api/schema'
import type { Job } from '@/modules/jobs/jobState'

type S = components['schemas']
export type Metric = S['MetricOut']
export type IndicatorSet = S['IndicatorSetOut']
export type IndicatorSetIn = S['IndicatorSetIn']
export type IndicatorIn = S['IndicatorIn']
export type Indicator = S['IndicatorOut']
export type Period = S['PeriodOut']
export type RankingPage = S['RankingPage']
export type RankingItem = S['RankingItem']
export type Score = S['ScoreOut']
export type ScoreItem = S['ScoreItem']
export type FactRecord = S['FactRecordOut']
export type FactRecordPage = S['FactRecordPage']
export type Level = RankingItem['level']

export function listMetrics(): Promise<Metric[]> {
  return unwrap(api.GET('/api/v1/assessment-metrics', {}))
}

export function getIndicatorSet(year: number): Promise<IndicatorSet> {
  return unwrap(api.GET('/api/v1/assessment-indicator-sets/{year}', { params: { path: { year } } }))
}

/** Replaces (If-Match the version read) or first stores (no version yet) a year's indicators. */
export function putIndicatorSet(year: number, version: number | null | undefined, body: IndicatorSetIn): Promise<IndicatorSet> {
  const header = version === null || version === undefined ? undefined : { 'If-Match': ifMatch(version) }
  return unwrap(api.PUT('/api/v1/assessment-indicator-sets/{year}', { params: { path: { year }, header }, body }))
}

export async function listPeriods(): Promise<Period[]> {
  return (await unwrap(api.GET('/api/v1/assessments', {}))).items
}

export function createPeriod(period: string, name?: string | null): Promise<Period> {
  return unwrap(api.POST('/api/v1/assessments', { body: { period, name: name || null } }))
}

export function getPeriod(period: string): Promise<Period> {
  return unwrap(api.GET('/api/v1/assessments/{period}', { params: { path: { period } } }))
}

/** 计算 (freeze = false) or 冻结 (freeze = true): the queued job (202). */
export function submitComputation(period: string, freeze: boolean): Promise<Job> {
  const params = { path: { period } }
  return unwrap(freeze ? api.POST('/api/v1/assessments/{period}/freeze', { params }) : api.POST('/api/v1/assessments/{period}/compute', { params }))
}

export function getRankings(period: string, level: Level, limit: number, offset: number): Promise<RankingPage> {
  return unwrap(api.GET('/api/v1/assessments/{period}/rankings', { params: { path: { period }, query: { level, limit, offset } } }))
}

export function getScore(period: string, regionCode: string): Promise<Score> {
  return unwrap(api.GET('/api/v1/assessments/{period}/scores/{region_code}', { params: { path: { period, region_code: regionCode } } }))
}

export function getScoreRecords(period: string, regionCode: string, indicator: string, cursor: string | null, limit = 50): Promise<FactRecordPage> {
  return unwrap(
    api.GET('/api/v1/assessments/{period}/scores/{region_code}/records', {
      params: { path: { period, region_code: regionCode }, query: { indicator, limit, cursor: cursor ?? undefined } },
    }),
  )
}

/** The ranking of a level as a file (XLSX, or CSV in UTF-8 or GB18030); returns the file's name. */
export function exportRanking(period: string, level: Level, format: 'xlsx' | 'csv' | 'gb18030'): Promise<string> {
  const query = format === 'gb18030' ? { level, format: 'csv', encoding: 'gb18030' } : { level, format }
  return download(`/api/v1/assessments/${encodeURIComponent(period)}/rankings/export`, { query, fallbackName: `ranking-${period}-${level}.${format === 'xlsx' ? 'xlsx' : 'csv'}` })
}
