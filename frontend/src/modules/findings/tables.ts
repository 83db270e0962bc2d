/** The code tables of the finding pages (GET /api/v1/codes). */
export const FINDING_TABLES = {
  source: 'finding_source',
  category: 'finding_category',
  severity: 'finding_severity',
  timeframe: 'finding_timeframe',
  state: 'finding_state',
  linkType: 'finding_link_type',
} as const
