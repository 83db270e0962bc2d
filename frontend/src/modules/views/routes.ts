import type { RouteRecordRaw } from 'vue-router'
import { WarningFilled } from '@element-plus/icons-vue'
import { defineModule, type MenuEntry } from '../module'

const ViewsPage = () => import('./pages/FailureViewsPage.vue')

/** 帮扶短板: the failure views of the caller's area, for the area offices (cadres:read: not the line departments,
 *  who have their own home); the measure views show to those who also hold measures:read. */
export const routes: RouteRecordRaw[] = [
  { path: 'views', name: 'failure-views', component: ViewsPage, meta: { permission: 'cadres:read', title: 'views.title' } },
]

export const menu: MenuEntry[] = [
  { id: 'failure-views', label: 'views.menu', icon: WarningFilled, path: '/views', permission: 'cadres:read', order: 17 },
]

export default defineModule({ name: 'views', routes, menu })
