import { reactive } from 'vue'
import { toApiError, type ApiError } from '@/api/problem'

/**
 * Field errors from a problem+json response, keyed by form path ("members.0.id_number"),
 * for el-form-item's `error` prop. Returns the errors that matched no known field.
 */
export function useServerErrors() {
  const errors = reactive<Record<string, string>>({})

  function clear(path?: string): void {
    if (path === undefined) {
      for (const k of Object.keys(errors)) delete errors[k]
    } else {
      delete errors[path]
    }
  }

  function apply(e: unknown, knownPaths?: (path: string) => boolean): { error: ApiError; unmatched: string[] } {
    clear()
    const error = toApiError(e)
    const unmatched: string[] = []
    for (const fe of error.fieldErrors) {
      if (fe.path && (!knownPaths || knownPaths(fe.path))) {
        errors[fe.path] = errors[fe.path] ? `${errors[fe.path]}；${fe.message}` : fe.message
      } else {
        unmatched.push(fe.message)
      }
    }
    return { error, unmatched }
  }

  return { errors, apply, clear }
}
