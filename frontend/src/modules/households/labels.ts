/**
 * Field labels of the household forms (API field or form path → i18n key), one map per form, and the
 * resolvers the household audit trail and exit evaluation use. See FieldLabels in src/api/problem.ts.
 */
import { prefixLabels, type FieldLabels } from '@/api/problem'
import { t, te } from '@/i18n'
import { TABLES } from '@/stores/codes'
import type { AuditEventLike } from '@/modules/audit/auditFormat'

/** A member's fields (the member dialog prefixes them with "member.", the household form with "members.*."). */
export const MEMBER_LABELS: FieldLabels = {
  name: 'members.name',
  id_type: 'members.idType',
  id_number: 'members.idNumber',
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
  medical_insurance: 'members.medicalInsurance',
  pension_insurance: 'members.pensionInsurance',
  serious_illness_insurance: 'members.seriousIllnessInsurance',
  public_welfare_job: 'members.publicWelfareJob',
  dibao: 'members.dibao',
  tekun: 'members.tekun',
}

/** The household's own fields (form, list, audit). */
export const HOUSEHOLD_FIELD_LABELS: FieldLabels = {
  village_code: 'households.village',
  group: 'households.group',
  address: 'households.address',
  phone: 'households.phone',
  attribute: 'households.attribute',
  main_cause: 'households.mainCause',
  secondary_causes: 'households.secondaryCauses',
  identification_standard: 'households.identificationStandard',
  first_identified_on: 'households.firstIdentifiedOn',
  planned_exit_year: 'households.plannedExitYear',
  member_count: 'households.memberCount',
  status: 'households.status',
  status_reason: 'transition.reason',
  exit_year: 'households.exitYear',
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
  members: 'households.members',
}

/** The household form: its fields and those of every member row. */
export const HOUSEHOLD_FORM_LABELS: FieldLabels = {
  ...HOUSEHOLD_FIELD_LABELS,
  'members.*': 'households.members',
  ...prefixLabels('members.*', MEMBER_LABELS),
}

/** The member dialog (add or correct one member): the member's fields are under "member.". */
export const MEMBER_FORM_LABELS: FieldLabels = {
  reason: 'members.reasonAdd',
  changed_on: 'members.changedOn',
  ...prefixLabels('member', MEMBER_LABELS),
}

export const REMOVE_MEMBER_LABELS: FieldLabels = {
  reason: 'members.reasonRemove',
  new_head_member_id: 'members.newHead',
  note: 'common.remark',
}

export const INCOME_LABELS: FieldLabels = {
  year: 'incomes.year',
  wage_income: 'incomes.wage',
  production_income: 'incomes.production',
  property_income: 'incomes.property',
  transfer_income: 'incomes.transfer',
  production_costs: 'incomes.costs',
  net_income: 'incomes.total',
  per_capita_net_income: 'incomes.perCapita',
  transfer_details: 'incomes.transferDetails',
  total_income: 'incomes.grossTotal',
  pension: 'incomes.pension',
  family_planning: 'incomes.familyPlanning',
  eco_compensation: 'incomes.ecoCompensation',
  other: 'incomes.other',
  household_size: 'households.memberCount',
  poverty_line: 'incomes.povertyLine',
  poverty_line_scope: 'exit.lineScope',
}

export const ASSESSMENT_LABELS: FieldLabels = {
  year: 'assessments.year',
  food_clothing: 'assessments.food_clothing',
  compulsory_education: 'assessments.compulsory_education',
  basic_medical: 'assessments.basic_medical',
  safe_housing: 'assessments.safe_housing',
  safe_drinking_water: 'assessments.safe_drinking_water',
  evidence: 'assessments.evidence',
  assessed_on: 'assessments.assessedOn',
  assessor: 'assessments.assessor',
}

export const TRANSITION_LABELS: FieldLabels = {
  to_status: 'transition.toStatus',
  reason: 'transition.reason',
  year: 'transition.year',
}

/** Labels by the entity type of an audit event of a household's trail. */
const AUDIT_LABELS: Record<string, FieldLabels> = {
  household: { ...HOUSEHOLD_FIELD_LABELS, to_status: 'transition.toStatus', read: 'audit.readWhat' },
  member: { ...MEMBER_LABELS, reason: 'common.reason' },
  income: INCOME_LABELS,
  assessment: ASSESSMENT_LABELS,
}
/** Nested values (the members of a created household) fall back to every label of the module. */
const ANY_HOUSEHOLD_LABEL: FieldLabels = { ...ASSESSMENT_LABELS, ...INCOME_LABELS, ...MEMBER_LABELS, ...HOUSEHOLD_FIELD_LABELS, read: 'audit.readWhat' }

function entityOf(ev: AuditEventLike | undefined): string {
  return ev?.entity_type || (ev?.action ?? '').split('.')[0]
}

/** The label of a changed field in a household's audit trail (the raw name when unknown). */
export function householdAuditFieldLabel(field: string, ev?: AuditEventLike): string {
  const key = AUDIT_LABELS[entityOf(ev)]?.[field] ?? ANY_HOUSEHOLD_LABEL[field]
  return key && te(key) ? t(key) : field
}

/** Which code table explains the values of a changed field of a household's trail. */
const VALUE_TABLES: Record<string, string> = {
  status: TABLES.status,
  to_status: TABLES.status,
  attribute: TABLES.attribute,
  main_cause: TABLES.cause,
  secondary_causes: TABLES.cause,
  identification_standard: TABLES.standard,
  id_type: TABLES.idType,
  gender: TABLES.gender,
  ethnicity: TABLES.ethnicity,
  relation: TABLES.relation,
  education: TABLES.education,
  school_status: TABLES.schoolStatus,
  health: TABLES.health,
  labour: TABLES.labour,
  work_status: TABLES.workStatus,
  housing_safety: TABLES.housingSafety,
  road_type: TABLES.roadType,
  fuel: TABLES.fuel,
  removed_reason: TABLES.memberRemove,
}

export function householdAuditValueTable(field: string, ev?: AuditEventLike): string | null {
  if (field === 'reason' && entityOf(ev) === 'member') return (ev?.action ?? '').endsWith('removed') ? TABLES.memberRemove : TABLES.memberAdd
  return VALUE_TABLES[field] ?? null
}

/** Labels of the figures of an exit evaluation (income figures, household size, poverty line). */
export function exitFigureLabel(field: string): string {
  const key = INCOME_LABELS[field] ?? ASSESSMENT_LABELS[field]
  return key ? t(key) : field
}
