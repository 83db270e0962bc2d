import { currentLocale, t, te } from '@/i18n'

/** RFC 9457 problem details as the Fupin API sends them. */
export interface FieldError {
  pointer?: string | null
  code?: string | null
  message?: string | null
}

export interface Problem {
  type?: string
  title?: string
  status?: number
  detail?: string | null
  code?: string | null
  errors?: FieldError[] | null
  [key: string]: unknown
}

export interface MappedFieldError {
  /** dotted path usable as an el-form-item prop, e.g. "members.0.id_number" */
  path: string
  /** last non-index segment, e.g. "id_number" */
  field: string
  code: string
  message: string
}

const LOCATION_PREFIXES = new Set(['body', 'query', 'path', 'header', 'headers', 'form'])

/** "/body/members/0/id_number" or "#/members/0/id_number" → "members.0.id_number". */
export function pointerToPath(pointer: string | null | undefined): string {
  if (!pointer) return ''
  let p = pointer.trim()
  if (p.startsWith('#')) p = p.slice(1)
  const parts = p
    .split('/')
    .filter((s) => s !== '')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
  while (parts.length && LOCATION_PREFIXES.has(parts[0])) parts.shift()
  return parts.join('.')
}

/**
 * A form's labels for the fields the API may name in errors: form path → i18n key.
 * A key is an exact path ("members.0.id_number"), a path with `*` for list indices ("members.*.id_number")
 * or a bare field name ("phone", matched against the last named segment of the path).
 * Every form passes its own map, so the same pointer reads differently in different forms:
 * a project's `name` is never labelled with a household member's 姓名.
 */
export type FieldLabels = Readonly<Record<string, string>>

/** Fields that mean the same in every form; consulted after the form's own labels. */
export const COMMON_FIELD_LABELS: FieldLabels = {
  id_number: 'common.idNumber',
  reason: 'common.reason',
  year: 'common.year',
  note: 'common.remark',
  username: 'auth.username',
  password: 'auth.password',
}

/** Prefixes every key of a label map: `prefixLabels('member', { name: ... })` → `{ 'member.name': ... }`. */
export function prefixLabels(prefix: string, labels: FieldLabels): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).map(([k, v]) => [`${prefix}.${k}`, v]))
}

/** The i18n key labelling a form path in this form, or null when the form has none for it. */
export function fieldLabelKey(path: string, labels: FieldLabels = {}): string | null {
  if (!path) return null
  const segs = path.split('.')
  const wild = segs.map((s) => (/^\d+$/.test(s) ? '*' : s)).join('.')
  const named = segs.filter((s) => !/^\d+$/.test(s))
  const last = named[named.length - 1] ?? ''
  return labels[path] ?? labels[wild] ?? labels[last] ?? COMMON_FIELD_LABELS[last] ?? null
}

/** The label of a form path in this form (translated); '' when neither the form nor the common labels know it. */
export function fieldLabel(path: string, labels?: FieldLabels): string {
  const key = fieldLabelKey(path, labels)
  return key ? t(key) : ''
}

function codeMessage(code: string | null | undefined): string | null {
  if (!code) return null
  // dotted codes ("household.duplicate_member") are nested message objects
  if (/^[a-z0-9_.]+$/i.test(code) && te(`errors.codes.${code}`)) return t(`errors.codes.${code}`)
  return null
}

/** "身份证号校验位错误 (check digit mismatch)" → "身份证号校验位错误" */
export function stripEnglish(message: string): string {
  return message.replace(/\s*\([^()\u4e00-\u9fff]*\)\s*$/, '')
}

function hasHan(s: string | null | undefined): boolean {
  return !!s && /[\u4e00-\u9fff]/.test(s)
}

/** Errors raised by a whole-object check name the field through their code. */
function fieldFromCode(code: string | null | undefined): string | null {
  if (!code) return null
  if (code === 'id_number.birth_date_mismatch') return 'birth_date'
  if (code === 'id_number.gender_mismatch') return 'gender'
  if (code.startsWith('id_number.') || code === 'member.identity_required') return 'id_number'
  if (code.startsWith('member.disability_grade')) return 'disability_grade'
  if (code === 'household.secondary_causes') return 'secondary_causes'
  if (code === 'household.duplicate_member') return 'id_number'
  return null
}

export function mapFieldErrors(problem: Problem | null | undefined): MappedFieldError[] {
  return (problem?.errors ?? []).map((e) => {
    let path = pointerToPath(e.pointer)
    const implied = fieldFromCode(e.code)
    if (implied && !path.endsWith(implied) && (path === '' || /(^|\.)\d+$/.test(path) || path === 'members')) {
      path = path ? `${path}.${implied}` : implied
    }
    const segs = path.split('.').filter((s) => !/^\d+$/.test(s))
    const field = segs[segs.length - 1] ?? ''
    const fromCode = codeMessage(e.code) ?? (field === 'id_number' && e.code && te(`idNumber.${e.code}`) ? t(`idNumber.${e.code}`) : null)
    const message = fromCode ?? (hasHan(e.message) ? stripEnglish(e.message as string) : e.message || t('errors.http.422'))
    return { path, field, code: e.code ?? '', message }
  })
}

/**
 * One readable sentence (Chinese by default) for a problem. Never raw JSON.
 * `labels` are the labels of the form the request came from (see FieldLabels).
 */
export function describeProblem(problem: Problem | null | undefined, status: number, labels?: FieldLabels): string {
  const byCode = codeMessage(problem?.code)
  // A server-written Chinese detail is the most specific message (in the Chinese UI)
  if (problem?.detail && hasHan(problem.detail) && (currentLocale() === 'zh-CN' || !byCode)) return stripEnglish(problem.detail)
  const fields = mapFieldErrors(problem)
  const base = byCode ?? (hasHan(problem?.title) ? problem!.title! : null) ?? httpMessage(status)
  if (fields.length && (status === 422 || status === 400)) {
    const first = fields[0]
    const label = fieldLabel(first.path, labels)
    return label ? `${base}：${label}，${first.message}` : `${base}：${first.message}`
  }
  return base
}

export function httpMessage(status: number): string {
  const key = `errors.http.${status}`
  if (te(key)) return t(key)
  if (status >= 500) return t('errors.http.500')
  return t('errors.unknown', { status })
}

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly problem: Problem | null
  readonly fieldErrors: MappedFieldError[]

  constructor(status: number, problem: Problem | null) {
    super(status === 0 ? t('errors.network') : describeProblem(problem, status))
    this.name = 'ApiError'
    this.status = status
    this.problem = problem
    this.code = problem?.code ?? ''
    this.fieldErrors = mapFieldErrors(problem)
  }

  /** The message with field names as this form labels them. */
  describe(labels?: FieldLabels): string {
    return this.status === 0 ? this.message : describeProblem(this.problem, this.status, labels)
  }

  get isNotFound(): boolean {
    return this.status === 404
  }

  get isStale(): boolean {
    return this.status === 412 || this.code === 'precondition_failed'
  }
}

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e
  return new ApiError(0, { detail: String(e) })
}
