/** Field labels of each project form (form path → i18n key), for errors the form does not show beside a field. */
import type { FieldLabels } from '@/api/problem'

export const PROJECT_LABELS: FieldLabels = {
  code: 'projects.code',
  name: 'projects.name',
  category: 'projects.category',
  level: 'projects.level',
  nature: 'projects.nature',
  year: 'projects.year',
  region_codes: 'projects.regions',
  'region_codes.*': 'projects.regions',
  responsible_unit: 'projects.responsibleUnit',
  responsible_person: 'projects.responsiblePerson',
  planned_start_on: 'projects.plannedStart',
  due_on: 'projects.dueOn',
  benefit_mechanism: 'projects.benefitMechanism',
}

export const TRANSITION_LABELS: FieldLabels = {
  to: 'projects.stage',
  reason: 'projects.move.reason',
  evidence_ids: 'projects.move.evidence',
  'evidence_ids.*': 'projects.move.evidence',
}

export const TARGET_LABELS: FieldLabels = {
  metric: 'projects.targets.metric',
  unit: 'projects.targets.unit',
  baseline: 'projects.targets.baseline',
  target: 'projects.targets.target',
  derived_from: 'projects.targets.derivedFrom',
}

export const ACTUAL_LABELS: FieldLabels = {
  actual: 'projects.targets.actual',
  as_of: 'projects.targets.asOf',
  note: 'projects.targets.note',
}

export const MILESTONE_LABELS: FieldLabels = {
  name: 'projects.milestones.name',
  due_on: 'projects.milestones.dueOn',
  done_on: 'projects.milestones.doneOn',
  position: 'projects.milestones.position',
}

export const BENEFICIARY_LABELS: FieldLabels = {
  household_ids: 'projects.beneficiaries.households',
  'household_ids.*': 'projects.beneficiaries.households',
}

export const ALLOCATION_LABELS: FieldLabels = {
  source: 'projects.funds.source',
  amount: 'projects.funds.amount',
  document_no: 'projects.funds.documentNo',
  allocated_on: 'projects.funds.allocatedOn',
  published_on: 'projects.funds.publishedOn',
}

export const DISBURSEMENT_LABELS: FieldLabels = {
  source: 'projects.funds.source',
  amount: 'projects.funds.amount',
  paid_on: 'projects.funds.paidOn',
  payee: 'projects.funds.payee',
  payee_household_id: 'projects.funds.payeeHousehold',
  purpose: 'projects.funds.purpose',
  voucher_no: 'projects.funds.voucherNo',
  stage: 'projects.funds.stage',
  corrects_id: 'projects.funds.correctionOf',
}

export const NOTICE_LABELS: FieldLabels = {
  kind: 'projects.notices.kind',
  allocation_id: 'projects.notices.allocation',
  location: 'projects.notices.location',
  display_from: 'projects.notices.displayFrom',
  display_to: 'projects.notices.displayTo',
  published_on: 'projects.notices.publishedOn',
}
