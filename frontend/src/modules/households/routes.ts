import type { RouteRecordRaw } from 'vue-router'
import { House, Plus } from '@element-plus/icons-vue'
import { defineModule, type MenuEntry } from '../module'

const ListPage = () => import('./pages/HouseholdListPage.vue')
const DetailPage = () => import('./pages/HouseholdDetailPage.vue')
const FormPage = () => import('./pages/HouseholdFormPage.vue')

export const routes: RouteRecordRaw[] = [
  { path: 'households', name: 'households', component: ListPage, meta: { permission: 'households:read', title: 'menu.householdList', prefetch: true } },
  { path: 'households/new', name: 'household-new', component: FormPage, meta: { permission: 'households:write', title: 'menu.householdNew' } },
  {
    path: 'households/:id',
    name: 'household',
    component: DetailPage,
    props: true,
    meta: { permission: 'households:read', title: 'households.detail', prefetch: true },
  },
  {
    path: 'households/:id/edit',
    name: 'household-edit',
    component: FormPage,
    props: true,
    meta: { permission: 'households:write', title: 'households.editTitle' },
  },
]

export const menu: MenuEntry[] = [
  { id: 'households', label: 'menu.householdList', icon: House, path: '/households', permission: 'households:read', order: 10 },
  { id: 'household-new', label: 'menu.householdNew', icon: Plus, path: '/households/new', permission: 'households:write', order: 11 },
]

export default defineModule({ name: 'households', routes, menu })
