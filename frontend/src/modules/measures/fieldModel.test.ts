import { describe, expect, it } from 'vitest'
import { amountOut, fieldTypes, nextMoves, ownsType } from './fieldModel'

const health = { code: 'health', measure_types: ['health'], disabled_member_types: [] }
const federation = { code: 'disabled', measure_types: [], disabled_member_types: ['health'] }

describe('department field', () => {
  it('lists the types of a field once', () => {
    expect(fieldTypes({ code: 'x', measure_types: ['industry', 'pv'], disabled_member_types: ['pv', 'health'] })).toEqual(['industry', 'pv', 'health'])
    expect(fieldTypes(null)).toEqual([])
  })
  it('lets a department record its own types only', () => {
    expect(ownsType(health, 'health', null, true)).toBe(true)
    expect(ownsType(health, 'education', null, true)).toBe(false)
    expect(ownsType(null, 'health', null, true)).toBe(false)
    expect(ownsType(null, 'education', null, false)).toBe(true)
  })
  it('gives the disabled persons federation health measures of disabled members only', () => {
    expect(ownsType(federation, 'health', 'disabled', true)).toBe(true)
    expect(ownsType(federation, 'health', 'healthy', true)).toBe(false)
    expect(ownsType(federation, 'health', null, true)).toBe(false)
  })
})

describe('measure moves and amounts', () => {
  it('offers the workflow moves', () => {
    expect(nextMoves('planned')).toEqual(['in_progress', 'done', 'cancelled'])
    expect(nextMoves('in_progress')).toEqual(['done', 'cancelled'])
    expect(nextMoves('done')).toEqual([])
    expect(nextMoves('cancelled')).toEqual([])
  })
  it('writes amounts with two places', () => {
    expect(amountOut(8000.5)).toBe('8000.50')
    expect(amountOut(0)).toBe('0.00')
    expect(amountOut(null)).toBeNull()
  })
})
