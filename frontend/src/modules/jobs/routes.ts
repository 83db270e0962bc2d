import type { RouteRecordRaw } from 'vue-router'
import { Timer } from '@element-plus/icons-vue'
import { defineModule, type MenuEntry } from '../module'

export const routes: RouteRecordRaw[] = [
  { path: 'jobs', name: 'jobs', component: () => import('./pages/JobListPage.vue'), meta: { permission: 'jobs:read', title: 'menu.jobs' } },
]

export const menu: MenuEntry[] = [{ id: 'jobs', label: 'menu.jobs', icon: Timer, path: '/jobs', permission: 'jobs:read', order: 80 }]

export default defineModule({ name: 'jobs', routes, menu })
