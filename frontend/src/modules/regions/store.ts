import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, unwrap } from '@/api/client'
import type { Region } from '@/api/types'

export const useRegionStore = defineStore('regions', () => {
  const roots = ref<Region[]>([])
  const byCode = ref<Record<string, Region>>({})
  const children = ref<Record<string, Region[]>>({})
  const currentCode = ref<string | null>(null)

  const current = computed<Region | null>(() => (currentCode.value ? byCode.value[currentCode.value] ?? null : null))

  function remember(list: Region[]): void {
    for (const r of list) byCode.value[r.code] = r
  }

  async function loadRoots(): Promise<Region[]> {
    const data = await unwrap(api.GET('/api/v1/regions', {}))
    roots.value = data.items
    remember(data.items)
    const saved = sessionStorage.getItem('fupin.region')
    if (saved && byCode.value[saved]) currentCode.value = saved
    else if (saved && (await fetchOne(saved))) currentCode.value = saved
    else currentCode.value = data.items[0]?.code ?? null
    return data.items
  }

  async function fetchOne(code: string): Promise<Region | null> {
    if (byCode.value[code]) return byCode.value[code]
    try {
      const r: Region = await unwrap(api.GET('/api/v1/regions/{code}', { params: { path: { code } } }))
      remember([r])
      return r
    } catch {
      return null
    }
  }

  async function loadChildren(code: string): Promise<Region[]> {
    if (children.value[code]) return children.value[code]
    const data = await unwrap(api.GET('/api/v1/regions', { params: { query: { parent: code } } }))
    children.value[code] = data.items
    remember(data.items)
    return data.items
  }

  /**
   * Loads the children along the path from the scope root down to `code`, so that pickers can show it.
   * Returns the codes of that path (root first, `code` last), or [] when it is not visible.
   */
  async function ensurePath(code: string): Promise<string[]> {
    try {
      const detail: Region = await unwrap(api.GET('/api/v1/regions/{code}', { params: { path: { code } } }))
      remember([detail, ...(detail.path ?? [])])
      const chain = [...(detail.path ?? []).map((r) => r.code).filter((c) => c !== code), code]
      const rootIndex = chain.findIndex((c) => roots.value.some((r) => r.code === c))
      if (rootIndex < 0) return []
      const visible = chain.slice(rootIndex)
      for (const c of visible.slice(0, -1)) await loadChildren(c)
      return visible
    } catch {
      return []
    }
  }

  function select(code: string | null): void {
    currentCode.value = code
    if (code) sessionStorage.setItem('fupin.region', code)
    else sessionStorage.removeItem('fupin.region')
  }

  function reset(): void {
    roots.value = []
    byCode.value = {}
    children.value = {}
    currentCode.value = null
    sessionStorage.removeItem('fupin.region')
  }

  return { roots, byCode, children, currentCode, current, loadRoots, loadChildren, fetchOne, ensurePath, select, reset }
})
