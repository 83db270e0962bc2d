/**
 * Domain types. Responses are the generated contract types (src/api/schema.d.ts, from openapi/openapi.json);
 * the *Fields types are the looser shapes of forms being edited (codes as plain strings, empty values allowed).
 */
import type { components } from './schema'

type S = components['schemas']

export type Me = S['MeOut']
export type Region = S['RegionOut'] & { path?: S['RegionOut'][] }
export type CodeEntry = S['CodeEntry']
export type HouseholdRow = S['HouseholdSummary']
export type Household = S['HouseholdOut']
export type Member = S['MemberOut']
export type Income = S['IncomeOut']
export type Assessment = S['AssessmentOut']
export type ChecklistItem = S['ChecklistItem']
export type ExitEvaluation = S['ExitEvaluation']
export type StatusChange = S['StatusChangeOut']
export type AuditEvent = S['AuditEventOut']
export type PovertyLine = S['PovertyLineOut']
export type Bucket = S['Bucket']
export type Summary = S['Summary']
export type HouseholdCreate = S['HouseholdCreate']
export type HouseholdUpdate = S['HouseholdUpdate']
export type PendingChange = S['PendingChangeOut']
export type MemberAdd = S['MemberAdd']
export type MemberUpdate = S['MemberUpdate']
export type TokenOut = S['TokenOut']

export interface Page<T> {
  items: T[]
  next_cursor?: string | null
  total?: number | null
}

export interface MemberFields {
  name: string
  id_type?: string
  id_number: string
  gender?: string | null
  birth_date?: string | null
  ethnicity?: string
  relation: string
  education?: string | null
  school_status?: string | null
  health?: string | null
  disability_grade?: number | null
  labour?: string | null
  work_status?: string | null
  months_worked?: number | null
  public_welfare_job?: boolean
  medical_insurance?: boolean
  serious_illness_insurance?: boolean
  pension_insurance?: boolean
  dibao?: boolean
  tekun?: boolean
}

export interface HouseholdFields {
  group?: string | null
  address?: string | null
  phone?: string | null
  identification_standard?: string
  attribute: string
  main_cause: string
  secondary_causes?: string[]
  first_identified_on: string
  planned_exit_year?: number | null
  housing_area?: string | number | null
  housing_safety?: string | null
  safe_drinking_water?: boolean | null
  electricity?: boolean | null
  road_type?: string | null
  sanitary_toilet?: boolean | null
  fuel?: string | null
  relocated?: boolean
  military_family?: boolean
  only_child?: boolean
  two_daughters?: boolean
}

export const ASSESSMENT_KEYS = ['food_clothing', 'compulsory_education', 'basic_medical', 'safe_housing', 'safe_drinking_water'] as const
export type AssessmentKey = (typeof ASSESSMENT_KEYS)[number]
