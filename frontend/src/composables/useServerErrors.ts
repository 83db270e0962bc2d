import { reactive } from 'vue'
import { toApiError, type ApiError, type MappedFieldError } from '@/api/problem'

export interface ApplyOptions {
  /** whether the form shows an error for this (mapped) path beside a field; default: every non-empty path */
  shown?: (path: string) => boolean
  /** the API's path → the form's path, e.g. "id_number" → "member.id_number" for a form nesting the body */
  mapPath?: (path: string) => string
}

/**
 * Field errors from a problem+json response, keyed by form path ("members.0.id_number"),
 * for el-form-item's `error` prop. Returns the errors that matched no field the form shows.
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

  function apply(
    e: unknown,
    options?: ApplyOptions | ((path: string) => boolean),
  ): { error: ApiError; unmatched: string[]; unmatchedErrors: MappedFieldError[] } {
    clear()
    const { shown, mapPath } = typeof options === 'function' ? { shown: options, mapPath: undefined } : (options ?? {})
    const error = toApiError(e)
    const unmatchedErrors: MappedFieldError[] = []
    for (const raw of error.fieldErrors) {
      const fe = mapPath && raw.path ? { ...raw, path: mapPath(raw.path) } : raw
      if (fe.path && (!shown || shown(fe.path))) {
        errors[fe.path] = errors[fe.path] ? `${errors[fe.path]}；${fe.message}` : fe.message
      } else {
        unmatchedErrors.push(fe)
      }
    }
    return { error, unmatched: unmatchedErrors.map((fe) => fe.message), unmatchedErrors }
  }

  return { errors, apply, clear }
}
