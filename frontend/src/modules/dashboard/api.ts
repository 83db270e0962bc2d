import { api, unwrap } from '@/api/client'
import type { Summary } from '@/api/types'

export function fetchSummary(region: string | null): Promise<Summary> {
  return unwrap(api.GET('/api/v1/stats/summary', { params: { query: region ? { region } : {} } }))
}

/** Derived dashboard figures (pure, unit-tested). */
export function summaryFigures(s: Summary) {
  const by = (code: string) => s.by_status.find((b) => b.code === code)
  const exitedCodes = ['exited_with_policy', 'exited_no_policy']
  const exited = s.by_status.filter((b) => exitedCodes.includes(b.code))
  const notExited = s.by_status.filter((b) => b.code === 'not_exited' || b.code === 'returned')
  const sum = (list: { households: number; people: number }[]) =>
    list.reduce((acc, b) => ({ households: acc.households + b.households, people: acc.people + b.people }), { households: 0, people: 0 })
  let cumulative = 0
  const progress = [...s.exits_by_year]
    .sort((a, b) => a.year - b.year)
    .map((y) => {
      cumulative += y.households
      return { year: y.year, households: y.households, people: y.people, cumulative }
    })
  return {
    exited: sum(exited),
    notExited: sum(notExited),
    removed: by('removed') ?? { households: 0, people: 0 },
    progress,
    poorVillages: s.poor_villages.length,
    exitedVillages: s.poor_villages.filter((v) => v.poverty_exit_year !== null).length,
  }
}
