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

/** Labels of fields the API may name in errors (for messages that are not shown beside the field). */
const FIELD_LABELS: Record<string, string> = {
  id_number: 'members.idNumber',
  name: 'members.name',
  relation: 'members.relation',
  gender: 'members.gender',
  birth_date: 'members.birthDate',
  ethnicity: 'members.ethnicity',
  education: 'members.education',
  school_status: 'members.schoolStatus',
  health: 'members.health',
  disability_grade: 'members.disabilityGrade',
  labour: 'members.labour',
  work_status: 'members.workStatus',
  months_worked: 'members.monthsWorked',
  village_code: 'households.village',
  group: 'households.group',
  address: 'households.address',
  phone: 'households.phone',
  attribute: 'households.attribute',
  main_cause: 'households.mainCause',
  secondary_causes: 'households.secondaryCauses',
  identification_standard: 'households.identificationStandard',
  first_identified_on: 'households.firstIdentifiedOn',
  username: 'auth.username',
  password: 'auth.password',
  reason: 'common.reason',
  to_status: 'transition.toStatus',
  year: 'common.year',
  id_type: 'members.idType',
  member_count: 'households.memberCount',
  status: 'households.status',
  status_reason: 'transition.reason',
  exit_year: 'households.exitYear',
  planned_exit_year: 'households.plannedExitYear',
  household_number: 'households.householdNumber',
  head_member_id: 'households.head',
  head_name: 'households.headName',
  housing_area: 'living.housingArea',
  housing_safety: 'living.housingSafety',
  road_type: 'living.roadType',
  fuel: 'living.fuel',
  safe_drinking_water: 'living.safeWater',
  electricity: 'living.electricity',
  sanitary_toilet: 'living.toilet',
  relocated: 'living.relocated',
  military_family: 'living.militaryFamily',
  only_child: 'living.onlyChild',
  two_daughters: 'living.twoDaughters',
  medical_insurance: 'members.medicalInsurance',
  pension_insurance: 'members.pensionInsurance',
  serious_illness_insurance: 'members.seriousIllnessInsurance',
  public_welfare_job: 'members.publicWelfareJob',
  wage_income: 'incomes.wage',
  production_income: 'incomes.production',
  property_income: 'incomes.property',
  transfer_income: 'incomes.transfer',
  production_costs: 'incomes.costs',
  per_capita_net_income: 'incomes.perCapita',
  food_clothing: 'assessments.food_clothing',
  compulsory_education: 'assessments.compulsory_education',
  basic_medical: 'assessments.basic_medical',
  safe_housing: 'assessments.safe_housing',
  evidence: 'assessments.evidence',
  read: 'audit.readWhat',
  net_income: 'incomes.total',
  transfer_details: 'incomes.transferDetails',
  total_income: 'incomes.grossTotal',
  dibao: 'members.dibao',
  tekun: 'members.tekun',
  pension: 'incomes.pension',
  family_planning: 'incomes.familyPlanning',
  eco_compensation: 'incomes.ecoCompensation',
  other: 'incomes.other',
  assessed_on: 'assessments.assessedOn',
  assessor: 'assessments.assessor',
  household_size: 'households.memberCount',
  poverty_line: 'incomes.povertyLine',
  poverty_line_scope: 'exit.lineScope',
}

export function fieldLabel(field: string): string {
  const key = FIELD_LABELS[field]
  return key ? t(key) : field
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

/** One readable sentence (Chinese by default) for a problem. Never raw JSON. */
export function describeProblem(problem: Problem | null | undefined, status: number): string {
  const byCode = codeMessage(problem?.code)
  // A server-written Chinese detail is the most specific message (in the Chinese UI)
  if (problem?.detail && hasHan(problem.detail) && (currentLocale() === 'zh-CN' || !byCode)) return stripEnglish(problem.detail)
  const fields = mapFieldErrors(problem)
  const base = byCode ?? (hasHan(problem?.title) ? problem!.title! : null) ?? httpMessage(status)
  if (fields.length && (status === 422 || status === 400)) {
    const first = fields[0]
    const label = first.field ? fieldLabel(first.field) : ''
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
