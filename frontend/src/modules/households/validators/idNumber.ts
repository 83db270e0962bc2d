/**
 * Resident identity card number (居民身份证号码, GB 11643-1999) validation.
 *
 * 18 characters: 6-digit region code, 8-digit birth date YYYYMMDD, 3-digit sequence
 * (odd = male, even = female), and an ISO 7064 MOD 11-2 check character (0-9 or X).
 * Input is normalised first: surrounding and inner spaces removed, full-width digits and
 * letters turned into ASCII, lower-case x upper-cased.
 */

export type IdNumberErrorCode = 'required' | 'length' | 'format' | 'region' | 'birth_date' | 'checksum'

export interface IdNumberOk {
  valid: true
  value: string
  birthDate: string // YYYY-MM-DD
  gender: '1' | '2' // 1 male, 2 female (GB/T 2261.1)
  regionCode: string
}

export interface IdNumberError {
  valid: false
  value: string
  code: IdNumberErrorCode
}

export type IdNumberResult = IdNumberOk | IdNumberError

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const CHECK_CHARS = '10X98765432'
/** First two digits: province-level divisions (GB/T 2260). */
const PROVINCES = new Set(
  '11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82'.split(' '),
)

export function normaliseIdNumber(input: string): string {
  let out = ''
  for (const ch of input ?? '') {
    const cp = ch.codePointAt(0) ?? 0
    // full-width ASCII block FF01-FF5E → 0021-007E; ideographic space → space
    if (cp >= 0xff01 && cp <= 0xff5e) out += String.fromCodePoint(cp - 0xfee0)
    else if (cp === 0x3000) out += ' '
    else out += ch
  }
  return out.replace(/\s+/g, '').toUpperCase()
}

export function idCheckChar(first17: string): string {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]
  return CHECK_CHARS[sum % 11]
}

export function isValidDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false
  const dim = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
  return d <= dim[m - 1]
}

export function validateIdNumber(input: string, today: Date = new Date()): IdNumberResult {
  const value = normaliseIdNumber(input)
  if (value === '') return { valid: false, value, code: 'required' }
  if (value.length !== 18) return { valid: false, value, code: 'length' }
  if (!/^\d{17}[\dX]$/.test(value)) return { valid: false, value, code: 'format' }
  if (!PROVINCES.has(value.slice(0, 2))) return { valid: false, value, code: 'region' }
  const y = Number(value.slice(6, 10))
  const m = Number(value.slice(10, 12))
  const d = Number(value.slice(12, 14))
  const todayStr = `${today.getFullYear()}${String(today.getMonth() + 1).padStart(2, '0')}${String(today.getDate()).padStart(2, '0')}`
  if (y < 1900 || !isValidDate(y, m, d) || value.slice(6, 14) > todayStr) {
    return { valid: false, value, code: 'birth_date' }
  }
  if (idCheckChar(value.slice(0, 17)) !== value[17]) return { valid: false, value, code: 'checksum' }
  return {
    valid: true,
    value,
    birthDate: `${value.slice(6, 10)}-${value.slice(10, 12)}-${value.slice(12, 14)}`,
    gender: Number(value[16]) % 2 === 1 ? '1' : '2',
    regionCode: value.slice(0, 6),
  }
}

/** Builds a valid number from a region, a birth date (YYYYMMDD) and a 3-digit sequence. */
export function makeIdNumber(region6: string, birth8: string, seq3: string): string {
  const first17 = `${region6}${birth8}${seq3}`
  return first17 + idCheckChar(first17)
}

/** Masked form as the API shows it without the PII permission. */
export function isMaskedIdNumber(value: string): boolean {
  return /\*/.test(value ?? '')
}
