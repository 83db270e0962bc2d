import type { RouteRecordRaw } from 'vue-router'
import { Connection } from '@element-plus/icons-vue'
import { defineModule, type MenuEntry } from '../module'
import { PAGE_PERMISSIONS } from './integrationModel'

export const routes: RouteRecordRaw[] = [
  {
    path: 'integration/:tab?',
    name: 'integration',
    component: () => import('./pages/IntegrationPage.vue'),
    meta: { permission: PAGE_PERMISSIONS, title: 'menu.integration' },
  },
]

export const menu: MenuEntry[] = [
  { id: 'integration', label: 'menu.integration', icon: Connection, path: '/integration', permission: PAGE_PERMISSIONS, order: 85 },
]

export default defineModule({ name: 'integration', routes, menu })
