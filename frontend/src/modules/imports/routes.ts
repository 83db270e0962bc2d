import type { RouteRecordRaw } from 'vue-router'
import { Upload } from '@element-plus/icons-vue'
import { defineModule, type MenuEntry } from '../module'

export const routes: RouteRecordRaw[] = [
  { path: 'imports', name: 'imports', component: () => import('./pages/ImportPage.vue'), meta: { permission: 'households:write', title: 'menu.imports' } },
]

export const menu: MenuEntry[] = [{ id: 'imports', label: 'menu.imports', icon: Upload, path: '/imports', permission: 'households:write', order: 15 }]

export default defineModule({ name: 'imports', routes, menu })
