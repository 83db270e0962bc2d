import { createRouter, createWebHistory } from 'vue-router'
import { useAuthStore } from '@/modules/auth/store'
import { session } from '@/api/session'
import { appRoutes } from './routes'
import { allows } from '@/modules/module'

export const router = createRouter({
  history: createWebHistory(),
  routes: appRoutes(),
  scrollBehavior: () => ({ top: 0 }),
})

router.beforeEach(async (to) => {
  performance.mark(`navigate:${String(to.name ?? to.path)}`)
  const auth = useAuthStore()
  if (to.meta.public) return true
  if (!auth.loggedIn) {
    const hadSession = session.active
    if (!(await auth.restore())) {
      const query: Record<string, string> = to.fullPath !== '/' ? { redirect: to.fullPath } : {}
      // a stored session that no longer works has expired or been revoked: say so
      if (hadSession) query.expired = '1'
      return { name: 'login', query }
    }
  }
  // a page the user may not open: back to the home page
  if (!allows(to.meta.permission, auth.can)) return { path: '/' }
  return true
})
