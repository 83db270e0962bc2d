/** Field labels of each finding form (form path → i18n key), for errors the form does not show beside a field. */
import type { FieldLabels } from '@/api/problem'

export const FINDING_LABELS: FieldLabels = {
  source: 'findings.source',
  batch: 'findings.batch',
  category: 'findings.category',
  severity: 'findings.severity',
  timeframe: 'findings.timeframe',
  description: 'findings.description',
  region_code: 'findings.region',
  lead_unit: 'findings.leadUnit',
  responsible_unit: 'findings.responsibleUnit',
  responsible_person: 'findings.responsiblePerson',
  raised_on: 'findings.raisedOn',
  deadline: 'findings.deadline',
  links: 'findings.links.title',
  'links.*': 'findings.links.title',
  'links.*.id': 'findings.links.title',
}

export const TRANSITION_LABELS: FieldLabels = {
  to: 'findings.state',
  reason: 'findings.move.reason',
  rectification: 'findings.move.rectification',
  evidence_ids: 'findings.move.evidence',
  'evidence_ids.*': 'findings.move.evidence',
  'tasks.*.done_on': 'findings.tasks.doneOn',
}

export const TASK_LABELS: FieldLabels = {
  what: 'findings.tasks.what',
  who: 'findings.tasks.who',
  due_on: 'findings.tasks.dueOn',
  done_on: 'findings.tasks.doneOn',
  position: 'findings.tasks.position',
}
