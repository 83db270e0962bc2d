import type { RouteRecordRaw } from 'vue-router'
import { Avatar } from '@element-plus/icons-vue'
import { defineModule, type MenuEntry } from '../module'

export const routes: RouteRecordRaw[] = [
  { path: 'cadres', name: 'cadres', component: () => import('./pages/CadreListPage.vue'), meta: { permission: 'cadres:read', title: 'cadres.menu', prefetch: true } },
  {
    path: 'cadres/:id',
    name: 'cadre',
    component: () => import('./pages/CadreDetailPage.vue'),
    props: true,
    meta: { permission: 'cadres:read', title: 'cadres.detail' },
  },
]

export const menu: MenuEntry[] = [{ id: 'cadres', label: 'cadres.menu', icon: Avatar, path: '/cadres', permission: 'cadres:read', order: 20 }]

export default defineModule({ name: 'cadres', routes, menu })
