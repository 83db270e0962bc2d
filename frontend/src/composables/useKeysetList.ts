import { computed, ref, shallowRef, type Ref } from 'vue'
import type { Page } from '@/api/types'
import { toApiError, type ApiError } from '@/api/problem'

/**
 * A list read page by page with keyset cursors ("load more").
 * A newer reload wins over an older one still in flight, so fast filter changes never show stale rows.
 */
export function useKeysetList<T, F>(fetchPage: (filters: F, cursor: string | null) => Promise<Page<T>>) {
  const items = shallowRef<T[]>([]) as Ref<T[]>
  const total = ref<number | null>(null)
  const nextCursor = ref<string | null>(null)
  const loading = ref(false)
  const error = ref<ApiError | null>(null)
  /** ms from the request to the data being set, for the first page of the last reload */
  const firstPageMs = ref<number | null>(null)
  let generation = 0
  let lastFilters: F | null = null

  const hasMore = computed(() => nextCursor.value !== null)

  async function reload(filters: F): Promise<void> {
    const gen = ++generation
    lastFilters = filters
    loading.value = true
    error.value = null
    const started = performance.now()
    try {
      const page = await fetchPage(filters, null)
      if (gen !== generation) return
      items.value = page.items
      total.value = page.total ?? null
      nextCursor.value = page.next_cursor ?? null
      firstPageMs.value = performance.now() - started
    } catch (e) {
      if (gen !== generation) return
      items.value = []
      total.value = null
      nextCursor.value = null
      error.value = toApiError(e)
      throw error.value
    } finally {
      if (gen === generation) loading.value = false
    }
  }

  async function loadMore(): Promise<void> {
    if (!nextCursor.value || loading.value || lastFilters === null) return
    const gen = generation
    loading.value = true
    try {
      const page = await fetchPage(lastFilters, nextCursor.value)
      if (gen !== generation) return
      items.value = [...items.value, ...page.items]
      nextCursor.value = page.next_cursor ?? null
      if (page.total !== undefined && page.total !== null) total.value = page.total
    } catch (e) {
      if (gen !== generation) return
      error.value = toApiError(e)
      throw error.value
    } finally {
      if (gen === generation) loading.value = false
    }
  }

  return { items, total, nextCursor, hasMore, loading, error, firstPageMs, reload, loadMore }
}
