import { describe, expect, it } from 'vitest'
import { createMemoryHistory, createRouter, type RouteRecordRaw } from 'vue-router'
import { defineComponent } from 'vue'
import { House, Plus } from '@element-plus/icons-vue'
import { activeMenuPath, allows, defineModule, layoutRoutes, menuEntries, prefetchLoaders, standaloneRoutes, type AppModule } from './module'
import { MODULES } from '.'
import { appRoutes } from '@/router/routes'
import zhCN from '@/i18n/zh-CN'
import en from '@/i18n/en'

const Page = defineComponent({ render: () => null })
const lazy = () => Promise.resolve(Page)

const projects = defineModule({
  name: 'projects',
  routes: [
    { path: 'projects', name: 'projects', component: lazy, meta: { permission: 'projects:read', prefetch: true } },
    { path: 'projects/new', name: 'project-new', component: lazy, meta: { permission: 'projects:write' } },
    { path: 'projects/:id', name: 'project', component: lazy, meta: { permission: 'projects:read' } },
    { path: 'fund-anomalies', name: 'fund-anomalies', component: lazy, meta: { permission: 'projects:read' } },
  ],
  menu: [
    { id: 'projects', label: 'menu.projects', icon: House, path: '/projects', permission: 'projects:read', order: 30, activeFor: ['fund-anomalies'] },
    { id: 'project-new', label: 'menu.projectNew', icon: Plus, path: '/projects/new', permission: 'projects:write', order: 31 },
  ],
})
const home = defineModule({
  name: 'home',
  routes: [{ path: '', name: 'home', component: Page, meta: { prefetch: true } }],
  menu: [{ id: 'home', label: 'menu.dashboard', icon: House, path: '/', order: 0 }],
})
const login = defineModule({ name: 'login', standaloneRoutes: [{ path: '/login', name: 'login', component: lazy, meta: { public: true } }] })
const can = (...granted: string[]) => (p: string) => granted.includes(p)

describe('module assembly', () => {
  it('collects the routes of every module, inside and outside the layout', () => {
    const mods = [login, projects, home]
    expect(layoutRoutes(mods).map((r) => r.name)).toEqual(['projects', 'project-new', 'project', 'fund-anomalies', 'home'])
    expect(standaloneRoutes(mods).map((r) => r.name)).toEqual(['login'])
  })

  it('refuses two modules using the same route name or menu id', () => {
    const copy: AppModule = { name: 'copy', routes: [{ path: 'x', name: 'projects', component: lazy }] }
    expect(() => layoutRoutes([projects, copy])).toThrow(/route name "projects" of module copy is already used by module projects/)
    const menuCopy: AppModule = { name: 'copy', menu: [{ id: 'home', label: 'x', icon: House, path: '/x', order: 1 }] }
    expect(() => layoutRoutes([home, menuCopy])).toThrow(/menu entry "home"/)
  })

  it('shows a menu entry only with its permission, in order', () => {
    const mods = [projects, home]
    expect(menuEntries(mods, can()).map((e) => e.id)).toEqual(['home'])
    expect(menuEntries(mods, can('projects:read')).map((e) => e.id)).toEqual(['home', 'projects'])
    expect(menuEntries(mods, can('projects:read', 'projects:write')).map((e) => e.id)).toEqual(['home', 'projects', 'project-new'])
  })

  it('highlights the entry a page belongs to', () => {
    const entries = menuEntries([projects, home], can('projects:read', 'projects:write'))
    expect(activeMenuPath(entries, { name: 'home', path: '/' })).toBe('/')
    expect(activeMenuPath(entries, { name: 'projects', path: '/projects' })).toBe('/projects')
    expect(activeMenuPath(entries, { name: 'project', path: '/projects/42' })).toBe('/projects')
    expect(activeMenuPath(entries, { name: 'project-new', path: '/projects/new' })).toBe('/projects/new')
    expect(activeMenuPath(entries, { name: 'fund-anomalies', path: '/fund-anomalies' })).toBe('/projects')
    // a path that only starts like an entry's is not under it
    expect(activeMenuPath(entries, { name: 'x', path: '/projectsx' })).toBe('/')
    expect(activeMenuPath([], { name: 'x', path: '/projects' })).toBe('')
  })

  it('accepts any one of a list of permissions', () => {
    expect(allows(undefined, can())).toBe(true)
    expect(allows('a', can('a'))).toBe(true)
    expect(allows('a', can('b'))).toBe(false)
    expect(allows(['a', 'b'], can('b'))).toBe(true)
    expect(allows(['a', 'b'], can('c'))).toBe(false)
    expect(allows([], can('a'))).toBe(false)
    const both = defineModule({
      name: 'sync',
      routes: [{ path: 'sync', name: 'sync', component: lazy, meta: { permission: ['x:manage', 'y:manage'], prefetch: true } }],
      menu: [{ id: 'sync', label: 'menu.sync', icon: House, path: '/sync', permission: ['x:manage', 'y:manage'], order: 5 }],
    })
    expect(menuEntries([both], can('y:manage')).map((e) => e.id)).toEqual(['sync'])
    expect(menuEntries([both], can('z:manage'))).toEqual([])
    expect(prefetchLoaders([both], can('x:manage'))).toEqual([lazy])
    expect(prefetchLoaders([both], can())).toEqual([])
  })

  it('prefetches the marked lazy pages the user may open', () => {
    expect(prefetchLoaders([projects, home], can())).toEqual([])
    expect(prefetchLoaders([projects, home], can('projects:read'))).toEqual([lazy])
  })
})

describe('the app registry', () => {
  const router = createRouter({ history: createMemoryHistory(), routes: appRoutes() })
  const entries = MODULES.flatMap((m) => m.menu ?? [])
  const has = (messages: unknown, key: string) =>
    typeof key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), messages) === 'string'
  const routesOf = (rs: RouteRecordRaw[]): RouteRecordRaw[] => rs.flatMap((r) => [r, ...routesOf(r.children ?? [])])

  it('keeps the menu of a household office', () => {
    const township = can('households:read', 'households:write', 'households:transition')
    expect(menuEntries(MODULES, township).map((e) => [e.path, e.label])).toEqual([
      ['/', 'menu.dashboard'],
      ['/households', 'menu.householdList'],
      ['/households/new', 'menu.householdNew'],
      ['/imports', 'menu.imports'],
      ['/regions', 'menu.regions'],
    ])
    expect(menuEntries(MODULES, can('households:read')).map((e) => e.id)).toEqual(['dashboard', 'households', 'regions'])
    expect(menuEntries(MODULES, can()).map((e) => e.id)).toEqual(['dashboard', 'regions'])
  })

  it('shows the import page to household writers and the integration page to its managers', () => {
    const ids = (...p: string[]) => menuEntries(MODULES, can(...p)).map((e) => e.id)
    expect(ids('households:read')).not.toContain('imports')
    expect(ids('households:read', 'households:write')).toContain('imports')
    expect(ids('households:read', 'jobs:read')).not.toContain('integration')
    for (const p of ['webhooks:manage', 'adjustments:manage', 'api_keys:manage']) expect(ids(p), p).toContain('integration')
    // the tab is part of the path; every tab is the same page
    expect(router.resolve('/integration/webhooks').name).toBe('integration')
    expect(router.resolve('/integration').name).toBe('integration')
  })

  it('highlights the household pages as before', () => {
    const all = menuEntries(MODULES, () => true)
    const active = (path: string) => {
      const r = router.resolve(path)
      return activeMenuPath(all, { name: r.name, path: r.path })
    }
    expect(active('/')).toBe('/')
    expect(active('/households')).toBe('/households')
    expect(active('/households/new')).toBe('/households/new')
    expect(active('/households/0b7c/edit')).toBe('/households')
    expect(active('/regions/220382')).toBe('/regions')
    expect(active('/no-such-page')).toBe('/')
  })

  it('leads every menu entry to a page that asks for the same permission', () => {
    for (const e of entries) {
      const r = router.resolve(e.path)
      expect(r.name, e.path).not.toBe('not-found')
      expect(r.meta.permission, e.id).toEqual(e.permission)
    }
  })

  it('names every menu entry and page title in both languages', () => {
    const keys = [...entries.map((e) => e.label), ...routesOf(appRoutes()).flatMap((r) => (r.meta?.title ? [r.meta.title] : []))]
    expect(keys.length).toBeGreaterThan(8)
    for (const k of keys) {
      expect(has(zhCN, k), `zh-CN ${k}`).toBe(true)
      expect(has(en, k), `en ${k}`).toBe(true)
    }
  })

  it('prefetches the household list and detail for a reader only', () => {
    expect(prefetchLoaders(MODULES, can()).length).toBe(0)
    expect(prefetchLoaders(MODULES, can('households:read')).length).toBe(2)
  })
})
