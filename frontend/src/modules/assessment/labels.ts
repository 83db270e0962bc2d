/** Field labels of each assessment form (form path → i18n key), for errors the form does not show beside a field. */
import type { FieldLabels } from '@/api/problem'

export const PERIOD_LABELS: FieldLabels = {
  period: 'assessment.period',
  name: 'assessment.periodName',
}

export const INDICATOR_LABELS: FieldLabels = {
  name: 'assessment.setName',
  indicators: 'assessment.indicators',
  'indicators.*': 'assessment.indicator',
  'indicators.*.code': 'assessment.fields.code',
  'indicators.*.dimension': 'assessment.fields.dimension',
  'indicators.*.metric': 'assessment.fields.metric',
  'indicators.*.name': 'assessment.fields.name',
  'indicators.*.weight': 'assessment.fields.weight',
  'indicators.*.rule': 'assessment.fields.rule',
  'indicators.*.target': 'assessment.fields.target',
  'indicators.*.floor': 'assessment.fields.floor',
  'indicators.*.per_item': 'assessment.fields.perItem',
}
