import type { RouteRecordRaw } from 'vue-router'
import { List, OfficeBuilding } from '@element-plus/icons-vue'
import { defineModule, type MenuEntry } from '../module'

const ListPage = () => import('./pages/MeasureListPage.vue')
const DepartmentHome = () => import('./pages/DepartmentHomePage.vue')

export const routes: RouteRecordRaw[] = [
  { path: 'measures', name: 'measures', component: ListPage, meta: { permission: 'measures:read', title: 'measures.list' } },
  { path: 'department', name: 'department-home', component: DepartmentHome, meta: { permission: 'measures:read', title: 'measures.departmentHome' } },
]

export const menu: MenuEntry[] = [
  { id: 'measures', label: 'measures.list', icon: List, path: '/measures', permission: 'measures:read', order: 15 },
  { id: 'department-home', label: 'measures.departmentHome', icon: OfficeBuilding, path: '/department', permission: 'measures:read', order: 16 },
]

export default defineModule({ name: 'measures', routes, menu })
