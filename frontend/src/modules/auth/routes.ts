import type { RouteRecordRaw } from 'vue-router'
import { defineModule } from '../module'

export const standaloneRoutes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('./LoginPage.vue'), meta: { public: true, title: 'auth.login' } },
]

export default defineModule({ name: 'auth', standaloneRoutes })
