import { describe, expect, it } from 'vitest'
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { makeIdNumber, normaliseIdNumber, validateIdNumber } from './idNumber'

interface Vectors {
  valid: string[]
  invalid: { value: string; code: string }[]
}

// The vectors are shared with the backend (tests/fixtures/id_numbers.json at the repository root).
// A local copy is used only while the shared file does not exist.
const shared = resolve(__dirname, '../../../../../tests/fixtures/id_numbers.json')
const local = resolve(__dirname, './__fixtures__/id_numbers.json')
const source = existsSync(shared) ? shared : local
const vectors = JSON.parse(readFileSync(source, 'utf-8')) as Vectors

/** Backend codes may be namespaced ("id_number.checksum"); compare the last segment. */
function shortCode(code: string): string {
  const parts = code.split(/[.:/]/)
  return parts[parts.length - 1]
}

describe(`resident ID validator (vectors: ${source.includes('tests/fixtures') ? 'shared' : 'local'})`, () => {
  it.each(vectors.valid)('accepts %s', (value) => {
    const r = validateIdNumber(value)
    expect(r.valid).toBe(true)
    if (r.valid) {
      const n = normaliseIdNumber(value)
      expect(r.birthDate.replaceAll('-', '')).toBe(n.slice(6, 14))
      expect(r.gender).toBe(Number(n[16]) % 2 === 1 ? '1' : '2')
    }
  })

  it.each(vectors.invalid.map((v) => [v.value, v.code]))('rejects %j (%s)', (value, code) => {
    const r = validateIdNumber(value)
    expect(r.valid).toBe(false)
    if (!r.valid) {
      // an empty value is reported as "required" here (the API reports it as a length error)
      if (r.code === 'required') expect(['required', 'length']).toContain(shortCode(code))
      else expect(r.code).toBe(shortCode(code))
    }
  })
})

describe('normalisation', () => {
  it('turns full-width digits and lower-case x into ASCII', () => {
    expect(normaliseIdNumber('１１０１０５１９４９１２３１００２ｘ')).toBe('11010519491231002X')
    expect(normaliseIdNumber(' 11010519491231002x ')).toBe('11010519491231002X')
  })
  it('accepts a full-width number', () => {
    const r = validateIdNumber('１１０１０５１９４９１２３１００２Ｘ')
    expect(r.valid).toBe(true)
    if (r.valid) expect(r.value).toBe('11010519491231002X')
  })
})

describe('derived fields', () => {
  it('reads gender from the 17th digit and the birth date', () => {
    const male = validateIdNumber(makeIdNumber('220382', '19800101', '001'))
    const female = validateIdNumber(makeIdNumber('220382', '19800101', '002'))
    expect(male.valid && male.gender).toBe('1')
    expect(female.valid && female.gender).toBe('2')
    expect(male.valid && male.birthDate).toBe('1980-01-01')
  })
  it('rejects birth dates in the future', () => {
    const r = validateIdNumber(makeIdNumber('220382', '20300101', '001'), new Date(2026, 0, 1))
    expect(r.valid).toBe(false)
    if (!r.valid) expect(r.code).toBe('birth_date')
  })
  it('accepts 29 February only in leap years', () => {
    expect(validateIdNumber(makeIdNumber('220382', '20000229', '001')).valid).toBe(true)
    expect(validateIdNumber(makeIdNumber('220382', '19000229', '001')).valid).toBe(false)
  })
})
