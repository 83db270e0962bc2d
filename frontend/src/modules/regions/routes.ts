import type { RouteRecordRaw } from 'vue-router'
import { Location } from '@element-plus/icons-vue'
import { defineModule, type MenuEntry } from '../module'

export const routes: RouteRecordRaw[] = [
  { path: 'regions/:code?', name: 'regions', component: () => import('./RegionsPage.vue'), props: true, meta: { title: 'menu.regions' } },
]

export const menu: MenuEntry[] = [{ id: 'regions', label: 'menu.regions', icon: Location, path: '/regions', order: 90 }]

export default defineModule({ name: 'regions', routes, menu })
