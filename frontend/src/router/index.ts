import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { useAuthStore } from '@/modules/auth/store'
import { session } from '@/api/session'

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean
    permission?: string
    title?: string
  }
}

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('@/modules/auth/LoginPage.vue'), meta: { public: true, title: 'auth.login' } },
  {
    path: '/',
    component: () => import('@/components/AppLayout.vue'),
    children: [
      { path: '', name: 'dashboard', component: () => import('@/modules/dashboard/DashboardPage.vue'), meta: { title: 'menu.dashboard' } },
      {
        path: 'households',
        name: 'households',
        component: () => import('@/modules/households/pages/HouseholdListPage.vue'),
        meta: { permission: 'households:read', title: 'menu.householdList' },
      },
      {
        path: 'households/new',
        name: 'household-new',
        component: () => import('@/modules/households/pages/HouseholdFormPage.vue'),
        meta: { permission: 'households:write', title: 'menu.householdNew' },
      },
      {
        path: 'households/:id',
        name: 'household',
        component: () => import('@/modules/households/pages/HouseholdDetailPage.vue'),
        props: true,
        meta: { permission: 'households:read', title: 'households.detail' },
      },
      {
        path: 'households/:id/edit',
        name: 'household-edit',
        component: () => import('@/modules/households/pages/HouseholdFormPage.vue'),
        props: true,
        meta: { permission: 'households:write', title: 'households.editTitle' },
      },
      { path: 'regions/:code?', name: 'regions', component: () => import('@/modules/regions/RegionsPage.vue'), props: true, meta: { title: 'menu.regions' } },
      { path: ':pathMatch(.*)*', name: 'not-found', component: () => import('@/components/NotFoundPage.vue'), meta: { title: 'notFound.title' } },
    ],
  },
]

export const router = createRouter({
  history: createWebHistory(),
  routes,
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
  if (to.meta.permission && !auth.can(to.meta.permission)) return { name: 'dashboard' }
  return true
})
