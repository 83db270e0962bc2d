/** Job endpoints used by the jobs page, typed by the generated contract (src/api/schema.d.ts). */
import { api, unwrap } from '@/api/client'
import type { Page } from '@/api/types'
import type { operations } from '@/api/schema'
import type { Job } from './jobState'

type ListQuery = NonNullable<operations['jobs-list']['parameters']['query']>

export interface JobFilters {
  state?: string | null
  kind?: string | null
}

export function listJobs(filters: JobFilters, cursor: string | null, limit = 20): Promise<Page<Job>> {
  return unwrap(
    api.GET('/api/v1/jobs', {
      params: {
        query: {
          limit,
          cursor: cursor ?? undefined,
          state: (filters.state || undefined) as ListQuery['state'],
          kind: filters.kind || undefined,
        },
      },
    }),
  )
}

export function getJob(id: string): Promise<Job> {
  return unwrap(api.GET('/api/v1/jobs/{job_id}', { params: { path: { job_id: id } } }))
}

export function cancelJob(id: string): Promise<Job> {
  return unwrap(api.POST('/api/v1/jobs/{job_id}/cancel', { params: { path: { job_id: id } } }))
}

/** Starts 重建统计汇总 of the caller's whole area (202: the queued job). */
export function startStatsRebuild(): Promise<Job> {
  return unwrap(api.POST('/api/v1/stats/rebuild', {}))
}
