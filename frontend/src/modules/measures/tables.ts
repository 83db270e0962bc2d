/** The code tables of measures (GET /api/v1/codes). */
export const MEASURE_TABLES = { type: 'measure_type', status: 'measure_status', department: 'department' } as const
