import type { RouteRecordRaw } from 'vue-router'
import { Histogram, SetUp } from '@element-plus/icons-vue'
import { defineModule, type MenuEntry } from '../module'

const RankingPage = () => import('./pages/RankingPage.vue')
const ScorePage = () => import('./pages/UnitScorePage.vue')
const IndicatorsPage = () => import('./pages/IndicatorSetPage.vue')

export const routes: RouteRecordRaw[] = [
  { path: 'assessment', name: 'assessment-ranking', component: RankingPage, meta: { permission: 'assessments:read', title: 'assessment.ranking' } },
  {
    path: 'assessment/:period/scores/:region',
    name: 'assessment-score',
    component: ScorePage,
    props: true,
    meta: { permission: 'assessments:read', title: 'assessment.unitScore' },
  },
  { path: 'assessment-indicators', name: 'assessment-indicators', component: IndicatorsPage, meta: { permission: 'assessments:read', title: 'assessment.indicatorSet' } },
]

export const menu: MenuEntry[] = [
  { id: 'assessment', label: 'assessment.menu', icon: Histogram, path: '/assessment', permission: 'assessments:read', order: 50 },
  { id: 'assessment-indicators', label: 'assessment.indicatorSet', icon: SetUp, path: '/assessment-indicators', permission: 'assessments:read', order: 51 },
]

export default defineModule({ name: 'assessment', routes, menu })
