import type { RouteRecordRaw } from 'vue-router'
import { DataAnalysis, Files, Warning } from '@element-plus/icons-vue'
import { defineModule, type MenuEntry } from '../module'

const ListPage = () => import('./pages/ProjectListPage.vue')
const DetailPage = () => import('./pages/ProjectDetailPage.vue')
const OverviewPage = () => import('./pages/ProjectOverviewPage.vue')
const AnomaliesPage = () => import('./pages/FundAnomaliesPage.vue')

export const routes: RouteRecordRaw[] = [
  { path: 'projects', name: 'projects', component: ListPage, meta: { permission: 'projects:read', title: 'projects.list', prefetch: true } },
  { path: 'projects/:id', name: 'project', component: DetailPage, props: true, meta: { permission: 'projects:read', title: 'projects.detail' } },
  { path: 'project-overview', name: 'project-overview', component: OverviewPage, meta: { permission: 'projects:read', title: 'projects.overview' } },
  { path: 'fund-anomalies', name: 'fund-anomalies', component: AnomaliesPage, meta: { permission: 'projects:read', title: 'projects.anomalies' } },
]

export const menu: MenuEntry[] = [
  { id: 'projects', label: 'projects.menu', icon: Files, path: '/projects', permission: 'projects:read', order: 30 },
  { id: 'project-overview', label: 'projects.overview', icon: DataAnalysis, path: '/project-overview', permission: 'projects:read', order: 31 },
  { id: 'fund-anomalies', label: 'projects.anomalies', icon: Warning, path: '/fund-anomalies', permission: 'projects:read', order: 32 },
]

export default defineModule({ name: 'projects', routes, menu })
