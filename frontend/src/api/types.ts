/** Domain types used by the pages (shapes of the published contract). */
export interface Me {
  id: string
  kind?: string
  username: string
  display_name: string
  roles: string[]
  role_labels?: string[]
  region_code: string | null
  region_name: string | null
  department?: string | null
  pii: boolean
  permissions: string[]
}

export interface Region {
  code: string
  name: string
  level: number
  parent_code: string | null
  is_poor_village?: boolean
  poverty_exit_year?: number | null
  has_children?: boolean
  path?: Region[]
}

export interface CodeEntry {
  code: string
  zh: string
  en: string
}

export interface HouseholdRow {
  id: string
  household_number: string
  village_code: string
  village_name: string | null
  head_name: string | null
  head_id_number: string | null
  member_count: number
  status: string
  attribute: string
  main_cause: string
  first_identified_on: string
  exit_year: number | null
  updated_at: string
  version: number
}

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

export interface Member extends MemberFields {
  id: string
  gender: string
  active: boolean
  added_reason: string
  added_on: string | null
  removed_reason: string | null
  removed_on: string | null
  is_head: boolean
  version: number
  pii_masked: boolean
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

export interface Household extends HouseholdFields {
  id: string
  household_number: string
  village_code: string
  village_name: string | null
  township_name?: string | null
  county_name?: string | null
  bank_account?: string | null
  status: string
  status_reason?: string | null
  exit_year: number | null
  head_member_id: string | null
  head_name: string | null
  member_count: number
  members: Member[]
  created_at: string
  updated_at: string
  version: number
  pii_masked: boolean
}

export interface Income {
  year: number
  wage_income: string
  production_income: string
  property_income: string
  transfer_income: string
  transfer_details?: Record<string, string>
  production_costs: string
  total_income: string
  net_income: string
  household_size: number
  per_capita_net_income: string
  poverty_line: string | null
  above_line: boolean | null
  updated_at: string
  version: number
}

export const ASSESSMENT_KEYS = ['food_clothing', 'compulsory_education', 'basic_medical', 'safe_housing', 'safe_drinking_water'] as const
export type AssessmentKey = (typeof ASSESSMENT_KEYS)[number]

export interface Assessment {
  year: number
  food_clothing: boolean
  compulsory_education: boolean
  basic_medical: boolean
  safe_housing: boolean
  safe_drinking_water: boolean
  evidence: Record<string, string>
  assessed_on: string | null
  assessor: string | null
  all_met: boolean
  updated_at: string
  version: number
}

export interface ChecklistItem {
  key: string
  label: string
  passed: boolean
  detail: string
  figures?: Record<string, unknown>
}

export interface ExitEvaluation {
  household_id?: string
  year: number
  passed: boolean
  items: ChecklistItem[]
}

export interface StatusChange {
  from_status: string | null
  to_status: string
  reason: string
  year: number | null
  actor_name: string | null
  occurred_at: string
  evaluation?: Record<string, unknown> | null
}

export interface AuditEvent {
  seq: number
  occurred_at: string
  actor_type?: string
  actor_name: string | null
  action: string
  entity_type: string
  entity_id: string | null
  changes: Record<string, unknown>
}

export interface PovertyLine {
  year: number
  scope: string
  amount: string
  note?: string | null
}

export interface Bucket {
  code: string
  households: number
  people: number
}

export interface Summary {
  region_code: string | null
  households: number
  people: number
  by_status: Bucket[]
  by_attribute: Bucket[]
  by_main_cause: Bucket[]
  exits_by_year: { year: number; households: number; people: number }[]
  poor_villages: { code: string; name: string; poverty_exit_year: number | null; households: number; not_exited: number }[]
}
