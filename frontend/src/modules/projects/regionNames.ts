import { useRegionStore } from '@/modules/regions/store'

/** Names of region codes for display: a code the region store does not hold yet is fetched once and shown as its
 *  code until its name arrives (the store is reactive, so the page updates itself). */
export function useRegionNames(): (code: string | null | undefined) => string {
  const regions = useRegionStore()
  const asked = new Set<string>()
  return (code) => {
    if (!code) return '—'
    const known = regions.byCode[code]
    if (known) return known.name
    if (!asked.has(code)) {
      asked.add(code)
      void regions.fetchOne(code)
    }
    return code
  }
}
