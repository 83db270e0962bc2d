import type { RouteRecordRaw } from 'vue-router'
import { Bell, Flag } from '@element-plus/icons-vue'
import { defineModule, type MenuEntry } from '../module'

const BoardPage = () => import('./pages/FindingBoardPage.vue')
const DetailPage = () => import('./pages/FindingDetailPage.vue')
const InboxPage = () => import('./pages/DisciplineInboxPage.vue')

export const routes: RouteRecordRaw[] = [
  { path: 'findings', name: 'findings', component: BoardPage, meta: { permission: 'findings:read', title: 'findings.board', prefetch: true } },
  { path: 'findings/:id', name: 'finding', component: DetailPage, props: true, meta: { permission: 'findings:read', title: 'findings.detail' } },
  { path: 'discipline-inbox', name: 'discipline-inbox', component: InboxPage, meta: { permission: 'findings:read', title: 'findings.inbox' } },
]

export const menu: MenuEntry[] = [
  { id: 'findings', label: 'findings.menu', icon: Flag, path: '/findings', permission: 'findings:read', order: 40 },
  { id: 'discipline-inbox', label: 'findings.inbox', icon: Bell, path: '/discipline-inbox', permission: 'findings:read', order: 41 },
]

export default defineModule({ name: 'findings', routes, menu })
