import { describe, expect, it } from 'vitest'
import { summaryFigures } from './api'

describe('summaryFigures', () => {
  it('adds up statuses and cumulates exits by year', () => {
    const f = summaryFigures({
      region_code: '220382102000',
      households: 10,
      people: 30,
      by_status: [
        { code: 'not_exited', households: 3, people: 9 },
        { code: 'returned', households: 1, people: 2 },
        { code: 'exited_with_policy', households: 5, people: 16 },
        { code: 'exited_no_policy', households: 1, people: 3 },
      ],
      by_attribute: [],
      by_main_cause: [],
      exits_by_year: [
        { year: 2018, households: 4, people: 12 },
        { year: 2017, households: 2, people: 7 },
      ],
      poor_villages: [
        { code: '1', name: 'a', poverty_exit_year: 2018, households: 3, not_exited: 0 },
        { code: '2', name: 'b', poverty_exit_year: null, households: 7, not_exited: 4 },
      ],
    })
    expect(f.exited).toEqual({ households: 6, people: 19 })
    expect(f.notExited).toEqual({ households: 4, people: 11 })
    expect(f.progress.map((p) => [p.year, p.cumulative])).toEqual([
      [2017, 2],
      [2018, 6],
    ])
    expect(f.poorVillages).toBe(2)
    expect(f.exitedVillages).toBe(1)
  })
})
