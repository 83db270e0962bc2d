import { ElMessage } from 'element-plus/es/components/message/index.mjs'
import { toApiError } from '@/api/problem'

/** Shows any failure as one readable message (never raw JSON). Returns the message. */
export function notifyError(e: unknown): string {
  const message = typeof e === 'string' ? e : toApiError(e).message
  ElMessage({ type: 'error', message, showClose: true, duration: 6000, grouping: true })
  return message
}

export function notifySuccess(message: string): void {
  ElMessage({ type: 'success', message, duration: 2500, grouping: true })
}
