import type { RouteRecordRaw } from 'vue-router'
import { MODULES } from '@/modules'
import { layoutRoutes, standaloneRoutes, type AppModule } from '@/modules/module'

/** The app's routes: what the modules declare, inside or outside the layout, and the not-found page. */
export function appRoutes(modules: readonly AppModule[] = MODULES): RouteRecordRaw[] {
  return [
    ...standaloneRoutes(modules),
    {
      path: '/',
      component: () => import('@/components/AppLayout.vue'),
      children: [
        ...layoutRoutes(modules),
        { path: ':pathMatch(.*)*', name: 'not-found', component: () => import('@/components/NotFoundPage.vue'), meta: { title: 'notFound.title' } },
      ],
    },
  ]
}
