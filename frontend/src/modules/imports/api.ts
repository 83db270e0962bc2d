/** Import endpoints: the upload (multipart), the empty template and a job's error report. */
import { download, sendJson } from '@/api/http'
import type { Job } from '@/modules/jobs/jobState'
import { importFormData, type ImportOptions, type PageEntity } from './importModel'

/** Starts an import (or a dry run) of the file; 202 with the queued job. */
export function startImport(file: File, options: ImportOptions, dryRun: boolean, entity: PageEntity = 'households'): Promise<Job> {
  return sendJson<Job>('POST', '/api/v1/imports', { form: importFormData(file, options, dryRun, entity) })
}

const TEMPLATE_NAMES: Record<PageEntity, string> = { households: '建档立卡导入模板.xlsx', findings: '督查问题导入模板.xlsx' }

/** The empty template of the entity (XLSX): 建档立卡, or the inspection ledger of findings. */
export function downloadTemplate(entity: PageEntity = 'households'): Promise<string> {
  const query = entity === 'households' ? '' : `?entity=${entity}`
  return download(`/api/v1/imports/template.xlsx${query}`, { fallbackName: TEMPLATE_NAMES[entity] })
}

/** The offending rows of an import job with an extra 错误 column (XLSX). */
export function downloadErrorReport(jobId: string): Promise<string> {
  return download(`/api/v1/jobs/${encodeURIComponent(jobId)}/report.xlsx`, { fallbackName: `导入错误报告-${jobId.slice(0, 8)}.xlsx` })
}
