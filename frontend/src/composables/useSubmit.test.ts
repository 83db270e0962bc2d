import { beforeEach, describe, expect, it, vi } from 'vitest'
import { useSubmit } from './useSubmit'
import { ApiError } from '@/api/problem'
import { setLocale } from '@/i18n'
import { HOUSEHOLD_FORM_LABELS, MEMBER_FORM_LABELS } from '@/modules/households/labels'

const notes = vi.hoisted(() => ({ errors: [] as string[], successes: [] as string[] }))
vi.mock('@/utils/notify', () => ({
  notifyError: (m: unknown) => {
    notes.errors.push(String(m))
    return String(m)
  },
  notifySuccess: (m: string) => {
    notes.successes.push(m)
  },
}))

const problem = (status: number, errors: { pointer: string; code: string; message: string }[], code = 'validation_failed') =>
  new ApiError(status, { code, errors })
const fail = (e: unknown) => () => Promise.reject(e)

beforeEach(() => {
  setLocale('zh-CN')
  notes.errors.length = 0
  notes.successes.length = 0
})

describe('useSubmit', () => {
  it('is busy while sending, says so on success and hands back the result', async () => {
    const s = useSubmit({ success: () => '已保存' })
    let release!: (v: number) => void
    const pending = s.run(() => new Promise<number>((r) => (release = r)))
    expect(s.busy.value).toBe(true)
    // a second click while busy sends nothing
    expect(await s.run(() => Promise.resolve(0))).toEqual({ ok: false, error: null })
    release(7)
    expect(await pending).toEqual({ ok: true, value: 7 })
    expect(s.busy.value).toBe(false)
    expect(notes.successes).toEqual(['已保存'])
  })

  it('puts the household form\'s member errors on the member\'s input, old and new pointers alike', async () => {
    const s = useSubmit({ labels: HOUSEHOLD_FORM_LABELS, shown: (p) => /^members\.\d+(\.\w+)?$/.test(p) })
    const r = await s.run(
      fail(
        problem(422, [
          { pointer: '/members/0/id_number', code: 'id_number.checksum', message: '身份证号校验位错误 (check digit mismatch)' },
          { pointer: '/members/1', code: 'household.duplicate_member', message: '该身份证号已在户 220382001 中登记 (already registered)' },
          { pointer: '/members/2', code: 'member.second_head', message: '一户只能有一名户主' },
        ]),
      ),
    )
    expect(r.ok).toBe(false)
    expect(s.errors).toEqual({
      'members.0.id_number': '身份证号校验位不正确',
      'members.1.id_number': '该身份证号已登记（同一户内重复或已在其他在册贫困户中）',
      'members.2': '一户只能有一名户主',
    })
    expect(notes.errors).toEqual([])
  })

  it('maps the API\'s paths to the form\'s and names hidden fields the way this form labels them', async () => {
    const s = useSubmit({
      labels: MEMBER_FORM_LABELS,
      mapPath: (p) => (p === 'reason' ? p : `member.${p}`),
      shown: (p) => p === 'member.id_number' || p === 'reason',
    })
    await s.run(
      fail(
        problem(422, [
          { pointer: '/id_number', code: 'id_number.checksum', message: 'x' },
          { pointer: '/name', code: 'string_too_long', message: 'x' },
          { pointer: '/bank_account', code: 'string_pattern_mismatch', message: 'x' },
        ]),
      ),
    )
    expect(s.errors).toEqual({ 'member.id_number': '身份证号校验位不正确' })
    expect(notes.errors).toEqual(['姓名：内容过长；格式不正确'])
  })

  it('labels the same hidden field differently in another form', async () => {
    const s = useSubmit({ labels: { name: 'regions.name' }, shown: () => false })
    await s.run(fail(problem(422, [{ pointer: '/name', code: 'string_too_long', message: 'x' }])))
    expect(notes.errors).toEqual(['名称：内容过长'])
  })

  it('shows a whole-request error once, readably, and hands a stale record to the form', async () => {
    const s = useSubmit({ labels: HOUSEHOLD_FORM_LABELS })
    const r = await s.run(fail(new ApiError(409, { code: 'household.exit_criteria_not_met', detail: '未达到脱贫标准 (criteria not met)' })))
    expect(r.ok).toBe(false)
    expect(notes.errors).toEqual(['未达到脱贫标准'])

    const onStale = vi.fn()
    const t = useSubmit({ onStale })
    await t.run(fail(new ApiError(412, { code: 'precondition_failed' })))
    expect(onStale).toHaveBeenCalledOnce()
    expect(notes.errors).toHaveLength(1)

    await t.run(fail(new TypeError('Failed to fetch')))
    expect(notes.errors[1]).toBe('无法连接服务器，请检查网络后重试')
  })

  it('clears the previous errors when sending again', async () => {
    const s = useSubmit()
    await s.run(fail(problem(422, [{ pointer: '/phone', code: 'string_pattern_mismatch', message: 'x' }])))
    expect(s.errors.phone).toBe('格式不正确')
    await s.run(() => Promise.resolve())
    expect(s.errors).toEqual({})
  })
})
