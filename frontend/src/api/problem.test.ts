import { describe, expect, it } from 'vitest'
import { ApiError, describeProblem, fieldLabel, mapFieldErrors, pointerToPath, prefixLabels, type FieldLabels } from './problem'
import { setLocale } from '@/i18n'

describe('pointerToPath', () => {
  it('turns JSON pointers into form paths', () => {
    expect(pointerToPath('/members/0/id_number')).toBe('members.0.id_number')
    expect(pointerToPath('/body/members/2/name')).toBe('members.2.name')
    expect(pointerToPath('#/phone')).toBe('phone')
    expect(pointerToPath('/query/limit')).toBe('limit')
    expect(pointerToPath('/a~1b')).toBe('a/b')
    expect(pointerToPath(null)).toBe('')
  })
})

describe('problem messages', () => {
  it('uses the code for a readable Chinese message', () => {
    setLocale('zh-CN')
    expect(describeProblem({ code: 'precondition_failed', detail: 'The record was changed by someone else' }, 412)).toBe(
      '数据已被他人修改，请重新加载最新数据',
    )
    expect(describeProblem({ code: 'household.duplicate_member' }, 409)).toContain('身份证号')
  })

  it('prefers a Chinese detail written by the server in the Chinese UI', () => {
    setLocale('zh-CN')
    const p = { code: 'household.exit_criteria_not_met', detail: '未达到脱贫标准: 不愁吃、不愁穿 (criteria not met)' }
    expect(describeProblem(p, 409)).toBe('未达到脱贫标准: 不愁吃、不愁穿')
    setLocale('en')
    expect(describeProblem(p, 409)).toBe('The exit criteria are not met')
    setLocale('zh-CN')
  })

  it('falls back to the HTTP status, never to raw JSON', () => {
    setLocale('zh-CN')
    expect(describeProblem({ code: 'something_new', detail: 'English detail' }, 404)).toBe('未找到该记录，或不在您的辖区范围内')
    expect(describeProblem(null, 503)).toBe('服务暂不可用，请稍后再试')
    expect(describeProblem(null, 599)).toBe('服务器内部错误，请稍后再试')
  })

  it('names the first invalid field', () => {
    setLocale('zh-CN')
    const msg = describeProblem(
      { code: 'validation_failed', errors: [{ pointer: '/members/0/id_number', code: 'id_number.checksum', message: 'x' }] },
      422,
    )
    expect(msg).toBe('提交的数据有误：身份证号，身份证号校验位不正确')
  })

  it('switches language with the UI', () => {
    setLocale('en')
    expect(new ApiError(412, { code: 'precondition_failed' }).message).toBe('Changed by someone else, reload the latest data')
    setLocale('zh-CN')
  })
})

describe('mapFieldErrors', () => {
  it('maps pointers and codes to form fields', () => {
    setLocale('zh-CN')
    const errs = mapFieldErrors({
      errors: [
        { pointer: '/members/1', code: 'id_number.checksum', message: '身份证号校验位错误 (check digit mismatch)' },
        { pointer: '/members/0', code: 'id_number.birth_date_mismatch', message: '' },
        { pointer: '/phone', code: 'string_pattern_mismatch', message: "String should match pattern '^[0-9+\\- ]{5,20}$'" },
        { pointer: '/address', code: 'brand_new_code', message: '地址太长了 (too long)' },
      ],
    })
    expect(errs.map((e) => e.path)).toEqual(['members.1.id_number', 'members.0.birth_date', 'phone', 'address'])
    expect(errs[0].message).toBe('身份证号校验位不正确')
    expect(errs[2].message).toBe('格式不正确')
    expect(errs[3].message).toBe('地址太长了')
  })

  it('marks 412 as stale', () => {
    expect(new ApiError(412, { code: 'precondition_failed' }).isStale).toBe(true)
    expect(new ApiError(404, { code: 'not_found' }).isNotFound).toBe(true)
  })
})

describe('field labels per form', () => {
  // two forms that both have a `name`: a household member's and (soon) a project's
  const memberForm: FieldLabels = { ...prefixLabels('members.*', { name: 'members.name', id_number: 'members.idNumber' }), 'members.*': 'households.members' }
  const projectForm: FieldLabels = { name: 'regions.name', responsible_unit: 'auth.department' }

  it('labels the same pointer differently in two forms', () => {
    setLocale('zh-CN')
    const problem = { code: 'validation_failed', errors: [{ pointer: '/name', code: 'string_too_short', message: 'x' }] }
    expect(describeProblem(problem, 422, projectForm)).toBe('提交的数据有误：名称，内容过短')
    expect(describeProblem(problem, 422, { name: 'members.name' })).toBe('提交的数据有误：姓名，内容过短')
    // a form without a label for the field names no other form's field
    expect(describeProblem(problem, 422)).toBe('提交的数据有误：内容过短')
    const err = new ApiError(422, problem)
    expect(err.describe(projectForm)).toBe('提交的数据有误：名称，内容过短')
    expect(err.message).not.toContain('姓名')
  })

  it('resolves exact paths, list patterns, bare fields and the common labels', () => {
    setLocale('zh-CN')
    expect(fieldLabel('members.2.name', memberForm)).toBe('姓名')
    expect(fieldLabel('members.0', memberForm)).toBe('家庭成员')
    expect(fieldLabel('name', memberForm)).toBe('')
    expect(fieldLabel('responsible_unit', projectForm)).toBe('部门')
    expect(fieldLabel('cadres.1.id_number')).toBe('身份证号')
    expect(fieldLabel('reason', { reason: 'transition.reason' })).toBe('变更原因')
    expect(fieldLabel('reason')).toBe('原因')
    expect(fieldLabel('')).toBe('')
  })

  it('puts an error on the member\'s ID number whether the pointer names the field or only the member', () => {
    setLocale('zh-CN')
    const errs = mapFieldErrors({
      errors: [
        { pointer: '/members/0/id_number', code: 'id_number.checksum', message: '身份证号校验位错误 (check digit mismatch)' },
        { pointer: '/members/1', code: 'household.duplicate_member', message: '该身份证号已登记' },
        { pointer: '/members/2', code: 'member.second_head', message: '一户只能有一名户主' },
      ],
    })
    expect(errs.map((e) => e.path)).toEqual(['members.0.id_number', 'members.1.id_number', 'members.2'])
    expect(fieldLabel(errs[2].path, memberForm)).toBe('家庭成员')
  })
})
