import type { MemberFields } from '@/api/types'

export function emptyMember(relation = ''): MemberFields {
  return {
    name: '',
    id_type: 'resident_id',
    id_number: '',
    gender: null,
    birth_date: null,
    ethnicity: '01',
    relation,
    education: null,
    school_status: null,
    health: 'healthy',
    disability_grade: null,
    labour: null,
    work_status: null,
    months_worked: null,
    public_welfare_job: false,
    medical_insurance: true,
    serious_illness_insurance: false,
    pension_insurance: false,
  }
}

/** Drops empty optional values so the API applies its defaults. */
export function memberPayload(m: MemberFields): MemberFields {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(m)) {
    if (v === null || v === undefined || v === '') continue
    out[k] = typeof v === 'string' ? v.trim() : v
  }
  return out as unknown as MemberFields
}
