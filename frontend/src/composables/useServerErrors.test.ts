import { describe, expect, it } from 'vitest'
import { useServerErrors } from './useServerErrors'
import { ApiError } from '@/api/problem'
import { setLocale } from '@/i18n'

describe('useServerErrors', () => {
  it('puts field errors on their form paths and returns the others', () => {
    setLocale('zh-CN')
    const s = useServerErrors()
    const err = new ApiError(422, {
      code: 'validation_failed',
      errors: [
        { pointer: '/members/0', code: 'id_number.checksum', message: '身份证号校验位错误 (check digit mismatch)' },
        { pointer: '/phone', code: 'string_pattern_mismatch', message: 'bad' },
        { pointer: '/bank_account', code: 'string_pattern_mismatch', message: 'bad' },
      ],
    })
    const { error, unmatched } = s.apply(err, (p) => p !== 'bank_account')
    expect(error.status).toBe(422)
    expect(s.errors['members.0.id_number']).toBe('身份证号校验位不正确')
    expect(s.errors.phone).toBe('格式不正确')
    expect(unmatched).toEqual(['格式不正确'])
    s.clear('phone')
    expect(s.errors.phone).toBeUndefined()
    s.clear()
    expect(Object.keys(s.errors)).toEqual([])
  })

  it('wraps anything thrown into a readable error', () => {
    const s = useServerErrors()
    const { error, unmatched } = s.apply(new TypeError('Failed to fetch'))
    expect(error.status).toBe(0)
    expect(error.message).toBe('无法连接服务器，请检查网络后重试')
    expect(unmatched).toEqual([])
  })
})
