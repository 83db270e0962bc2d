import type { RouteRecordRaw } from 'vue-router'
import { DataAnalysis } from '@element-plus/icons-vue'
import { defineModule, type MenuEntry } from '../module'

export const routes: RouteRecordRaw[] = [
  { path: '', name: 'dashboard', component: () => import('./DashboardPage.vue'), meta: { title: 'menu.dashboard' } },
]

export const menu: MenuEntry[] = [{ id: 'dashboard', label: 'menu.dashboard', icon: DataAnalysis, path: '/', order: 0 }]

export default defineModule({ name: 'dashboard', routes, menu })
