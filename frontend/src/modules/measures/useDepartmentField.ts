import { computed, ref } from 'vue'
import { useAuthStore } from '@/modules/auth/store'
import { listDepartments, type Department } from './api'
import { fieldTypes, ownsType } from './fieldModel'

const departments = ref<Department[]>([])
let loading: Promise<void> | null = null

/** The line departments and the caller's own field (null when the caller is not a department). */
export function useDepartmentField() {
  const auth = useAuthStore()
  if (!loading) {
    loading = listDepartments()
      .then((d) => {
        departments.value = d
      })
      .catch(() => {
        loading = null
      })
  }
  const code = computed(() => auth.me?.department ?? null)
  const mine = computed(() => departments.value.find((d) => d.code === code.value) ?? null)
  const isDepartment = computed(() => code.value !== null)
  const types = computed(() => fieldTypes(mine.value))
  const owns = (type: string, memberHealth?: string | null) => ownsType(mine.value, type, memberHealth ?? null, isDepartment.value)
  return { departments, code, mine, isDepartment, types, owns, ready: () => loading ?? Promise.resolve() }
}
