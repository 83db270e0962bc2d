import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api, unwrap } from '@/api/client'
import type { CodeEntry } from '@/api/types'
import { currentLocale } from '@/i18n'

/** Names of the code tables the pages use (as published at GET /codes). */
export const TABLES = {
  status: 'household_status',
  attribute: 'attribute',
  idType: 'id_type',
  cause: 'poverty_cause',
  standard: 'identification_standard',
  relation: 'relation',
  gender: 'gender',
  ethnicity: 'ethnicity',
  education: 'education',
  schoolStatus: 'school_status',
  health: 'health',
  labour: 'labour',
  workStatus: 'work_status',
  memberAdd: 'member_add_reason',
  memberRemove: 'member_remove_reason',
  housingSafety: 'housing_safety',
  roadType: 'road_type',
  fuel: 'fuel',
} as const

export const useCodesStore = defineStore('codes', () => {
  const tables = ref<Record<string, CodeEntry[]>>({})
  let loading: Promise<void> | null = null

  function load(): Promise<void> {
    if (Object.keys(tables.value).length) return Promise.resolve()
    if (!loading) {
      loading = unwrap(api.GET('/api/v1/codes', {}))
        .then((d) => {
          tables.value = d.tables
        })
        .finally(() => {
          loading = null
        })
    }
    return loading
  }

  function options(table: string): { value: string; label: string }[] {
    const en = currentLocale() === 'en'
    return (tables.value[table] ?? []).map((c) => ({ value: c.code, label: en ? c.en || c.zh : c.zh }))
  }

  function label(table: string, code: string | null | undefined): string {
    if (code === null || code === undefined || code === '') return ''
    const entry = (tables.value[table] ?? []).find((c) => c.code === code)
    if (!entry) return String(code)
    return currentLocale() === 'en' ? entry.en || entry.zh : entry.zh
  }

  return { tables, load, options, label }
})
