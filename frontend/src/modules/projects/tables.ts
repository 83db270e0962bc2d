/** The code tables of the project pages (GET /api/v1/codes). */
export const PROJECT_TABLES = {
  category: 'project_category',
  level: 'project_level',
  nature: 'construction_nature',
  stage: 'project_stage',
  health: 'project_health',
  unit: 'target_unit',
  source: 'fund_source',
  noticeKind: 'notice_kind',
  anomaly: 'fund_anomaly',
} as const
