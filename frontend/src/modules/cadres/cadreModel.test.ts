import { describe, expect, it } from 'vitest'
import { currentTargets, isVillageKind, isoDay, residencyStatus, visitBody } from './cadreModel'
import type { Assignment, ResidencyYear } from './api'

const base: Assignment = {
  id: 'a', cadre_id: 'c', cadre_name: '张', work_unit: '局', kind: 'paired', household_id: 'h1', household_number: '220382102201001',
  head_name: '王建国', village_code: '220382102201', starts_on: '2024-01-01', ends_on: null, current: true, version: 1,
}

describe('cadre model', () => {
  it('knows which kinds serve a village', () => {
    expect(isVillageKind('first_secretary')).toBe(true)
    expect(isVillageKind('work_team')).toBe(true)
    expect(isVillageKind('paired')).toBe(false)
    expect(isVillageKind(null)).toBe(false)
  })

  it('lists the current households and villages only', () => {
    const ended = { ...base, id: 'b', household_id: 'h2', current: false, ends_on: '2024-06-01' }
    const village = { ...base, id: 'v', kind: 'first_secretary', household_id: null, household_number: null, head_name: null }
    const t = currentTargets([base, ended, village, { ...village, id: 'v2' }])
    expect(t.households).toEqual([{ id: 'h1', label: '220382102201001 王建国' }])
    expect(t.villages).toEqual(['220382102201'])
  })

  it('builds the visit body without an empty location', () => {
    const f = { household_id: 'h1', visited_on: '2025-03-01', content: '  走访  ', location: ' ' }
    expect(visitBody('c', f)).toEqual({ cadre_id: 'c', household_id: 'h1', visited_on: '2025-03-01', content: '走访' })
    expect(visitBody('c', { ...f, location: '村委会' }).location).toBe('村委会')
  })

  it('tells whether residency is behind the pro-rata requirement', () => {
    const y: ResidencyYear = {
      cadre_id: 'c', year: 2025, days: { present: 10, leave: 0, duty: 2 }, counted: 12, required: 200, required_to_date: 50, below_required: true,
    }
    expect(residencyStatus(y)).toBe('behind')
    expect(residencyStatus({ ...y, below_required: false })).toBe('on_track')
    expect(residencyStatus(null)).toBeNull()
  })

  it('writes local ISO days', () => {
    expect(isoDay(new Date(2025, 0, 5))).toBe('2025-01-05')
  })
})
