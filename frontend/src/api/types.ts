/** Domain types used by the pages. Provisional shapes until generated from the contract. */
export interface Me {
  id: string | number
  username: string
  display_name: string
  roles: string[]
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
  exit_year?: number | null
  has_children?: boolean
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
  village_name: string
  head_name: string
  head_id_number: string
  member_count: number
  status: string
  attribute: string
  main_cause: string
  first_identified_on: string | null
  exit_year: number | null
  updated_at: string
  version: number
}

export interface Page<T> {
  items: T[]
  next_cursor: string | null
  total?: number | null
}

export interface Member {
  id: string
  name: string
  id_number: string
  relation: string
  gender: string
  birth_date: string | null
  ethnicity: string
  education: string
  school_status: string
  health: string
  disability_grade?: string | null
  labour: string
  work_status: string
  months_worked: number
  medical_insurance?: boolean
  pension_insurance?: boolean
  serious_illness_insurance?: boolean
  public_welfare_job?: boolean
  is_head?: boolean
  [key: string]: unknown
}

export interface Household {
  id: string
  household_number: string
  village_code: string
  village_name?: string
  group: string | null
  address: string | null
  phone: string | null
  attribute: string
  identification_standard: string
  main_cause: string
  secondary_causes: string[]
  first_identified_on: string | null
  status: string
  exit_year: number | null
  planned_exit_year?: number | null
  head_member_id?: string | null
  members: Member[]
  updated_at: string
  version: number
  [key: string]: unknown
}

export interface Income {
  year: number
  wage_income: string | number
  production_income: string | number
  property_income: string | number
  transfer_income: string | number
  production_costs: string | number
  per_capita_net_income?: string | number | null
  poverty_line?: string | number | null
  version?: number
}

export interface Assessment {
  year: number
  food: boolean
  clothing: boolean
  compulsory_education: boolean
  basic_medical: boolean
  safe_housing: boolean
  safe_water: boolean
  evidence?: string | null
  version?: number
  [key: string]: unknown
}

export interface ExitEvaluation {
  year: number
  passed: boolean
  items: { key: string; label: string; passed: boolean; detail?: string | null; figures?: Record<string, unknown> | null }[]
}

export interface StatusChange {
  from_status: string | null
  to_status: string
  reason: string
  year?: number | null
  occurred_at: string
  actor_name?: string | null
}

export interface AuditEvent {
  seq: number
  occurred_at: string
  actor_name: string | null
  action: string
  entity_type: string
  entity_id: string
  changes: Record<string, [unknown, unknown]> | null
}

export interface PovertyLine {
  year: number
  scope?: string
  amount: string | number
}

export interface Summary {
  [key: string]: unknown
}
