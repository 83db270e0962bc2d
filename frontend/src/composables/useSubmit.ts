import { ref } from 'vue'
import { fieldLabel, type ApiError, type FieldLabels, type MappedFieldError } from '@/api/problem'
import { notifyError, notifySuccess } from '@/utils/notify'
import { useServerErrors, type ApplyOptions } from './useServerErrors'

export interface SubmitOptions extends ApplyOptions {
  /** this form's field labels (pointer path → i18n key): they name fields in notices, never another form's */
  labels?: FieldLabels
  /** the message shown when the action succeeded (a function is read at that moment, in the current language) */
  success?: string | (() => string)
  /** the record changed meanwhile (412): called instead of the error notice */
  onStale?: (error: ApiError) => unknown
}

export type SubmitResult<T> = { ok: true; value: T } | { ok: false; error: ApiError | null }

/** "住址：内容过长；姓名：必填项未填写" for the errors of fields the form does not show. */
export function noticeFor(errors: MappedFieldError[], labels?: FieldLabels): string {
  return errors
    .map((fe) => {
      const label = fieldLabel(fe.path, labels)
      return label ? `${label}：${fe.message}` : fe.message
    })
    .join('；')
}

/**
 * Sending a form: a busy flag (one request at a time), field errors of a problem+json answer put beside the
 * fields (`errors`, keyed by form path for el-form-item's `error`), one readable notice for the errors of
 * fields the form does not show (labelled the way this form labels them), the whole-request error otherwise,
 * and a success message.
 */
export function useSubmit(options: SubmitOptions = {}) {
  const server = useServerErrors()
  const busy = ref(false)

  async function run<T>(action: () => Promise<T>): Promise<SubmitResult<T>> {
    if (busy.value) return { ok: false, error: null }
    busy.value = true
    server.clear()
    try {
      const value = await action()
      const message = typeof options.success === 'function' ? options.success() : options.success
      if (message) notifySuccess(message)
      return { ok: true, value }
    } catch (e) {
      const { error, unmatchedErrors } = server.apply(e, options)
      if (error.isStale && options.onStale) {
        server.clear()
        await options.onStale(error)
      } else if (!error.fieldErrors.length) {
        notifyError(error.describe(options.labels))
      } else if (unmatchedErrors.length) {
        notifyError(noticeFor(unmatchedErrors, options.labels))
      }
      return { ok: false, error }
    } finally {
      busy.value = false
    }
  }

  return { busy, errors: server.errors, clear: server.clear, run }
}
