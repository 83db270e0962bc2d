import type { RouteRecordRaw } from 'vue-router'
import { WarningFilled } from '@element-plus/icons-vue'
import { defineModule, type MenuEntry } from '../module'

const ViewsPage = () => import('./pages/FailureViewsPage.vue')

/** 帮扶短板: the failure views of the caller's area. The page needs measures:read, the visit and residency views
 *  also cadres:read; the menu entry is the area offices' (cadres:read: not the line departments, who have their own home). */
export const routes: RouteRecordRaw[] = [
  { path: 'views', name: 'failure-views', component: ViewsPage, meta: { permission: 'measures:read', title: 'views.title' } },
]

export const menu: MenuEntry[] = [
  { id: 'failure-views', label: 'views.menu', icon: WarningFilled, path: '/views', permission: 'cadres:read', order: 17 },
]

export default defineModule({ name: 'views', routes, menu })
