/** Field labels of the cadre forms (API field → i18n key), one map per form. */
import type { FieldLabels } from '@/api/problem'

export const CADRE_LABELS: FieldLabels = {
  name: 'cadres.name',
  id_number: 'cadres.idNumber',
  phone: 'cadres.phone',
  work_unit: 'cadres.workUnit',
  post: 'cadres.post',
  kind: 'cadres.kind',
  region_code: 'cadres.region',
  active: 'cadres.active',
}

export const ASSIGNMENT_LABELS: FieldLabels = {
  household_id: 'cadres.household',
  village_code: 'cadres.village',
  starts_on: 'cadres.startsOn',
  ends_on: 'cadres.endsOn',
}

export const VISIT_LABELS: FieldLabels = {
  cadre_id: 'cadres.cadre',
  household_id: 'cadres.household',
  visited_on: 'cadres.visitedOn',
  content: 'cadres.content',
  location: 'cadres.location',
}

export const RESIDENCY_LABELS: FieldLabels = {
  cadre_id: 'cadres.cadre',
  day: 'cadres.day',
  kind: 'cadres.residencyKind',
}
