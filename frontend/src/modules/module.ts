/**
 * What a domain module contributes to the app shell: its routes (children of the layout), its menu entries
 * (permission-gated) and which of its pages are worth fetching while the user reads the first one.
 * The router and the layout only assemble what the modules in src/modules/index.ts declare.
 */
import { markRaw, type Component } from 'vue'
import type { RouteRecordRaw } from 'vue-router'

declare module 'vue-router' {
  interface RouteMeta {
    /** reachable without logging in */
    public?: boolean
    /** the permission (from GET /me) the page needs, or a list of which any one will do; without it the router goes home */
    permission?: Permission
    /** i18n key of the document title */
    title?: string
    /** fetch this page's code when the browser is idle after the first page (an everyday page) */
    prefetch?: boolean
  }
}

/** A permission name, or a list of names of which any one grants access. */
export type Permission = string | readonly string[]

export interface MenuEntry {
  /** unique in the app; the menu item carries data-test="menu-<id>" */
  id: string
  /** i18n key of the label */
  label: string
  icon: Component
  /** where the item leads; it stays highlighted on the pages under this path */
  path: string
  /** shown only to users with this permission (or with any one of the listed permissions) */
  permission?: Permission
  /** position in the menu, ascending (modules leave gaps of 10) */
  order: number
  /** route names that highlight this item although their path is elsewhere */
  activeFor?: readonly string[]
}

export interface AppModule {
  name: string
  /** pages inside the layout (paths relative to "/") */
  routes?: RouteRecordRaw[]
  /** pages outside the layout, e.g. the login page */
  standaloneRoutes?: RouteRecordRaw[]
  menu?: MenuEntry[]
}

export function defineModule(m: AppModule): AppModule {
  return { ...m, menu: (m.menu ?? []).map((e) => ({ ...e, icon: markRaw(e.icon) })) }
}

type Can = (permission: string) => boolean

/** Whether `can` grants the permission: no permission = everyone, a list = any one of them. */
export function allows(permission: Permission | undefined, can: Can): boolean {
  if (permission === undefined) return true
  return typeof permission === 'string' ? can(permission) : permission.some((p) => can(p))
}

function names(routes: RouteRecordRaw[]): string[] {
  return routes.flatMap((r) => [...(r.name ? [String(r.name)] : []), ...names(r.children ?? [])])
}

function assertUnique(modules: readonly AppModule[]): void {
  const seen = new Map<string, string>()
  for (const m of modules) {
    for (const n of names([...(m.routes ?? []), ...(m.standaloneRoutes ?? [])])) {
      if (seen.has(n)) throw new Error(`route name "${n}" of module ${m.name} is already used by module ${seen.get(n)}`)
      seen.set(n, m.name)
    }
  }
  const ids = new Map<string, string>()
  for (const m of modules) {
    for (const e of m.menu ?? []) {
      if (ids.has(e.id)) throw new Error(`menu entry "${e.id}" of module ${m.name} is already used by module ${ids.get(e.id)}`)
      ids.set(e.id, m.name)
    }
  }
}

/** The children of the layout route, in module order. */
export function layoutRoutes(modules: readonly AppModule[]): RouteRecordRaw[] {
  assertUnique(modules)
  return modules.flatMap((m) => m.routes ?? [])
}

/** The top-level routes outside the layout. */
export function standaloneRoutes(modules: readonly AppModule[]): RouteRecordRaw[] {
  assertUnique(modules)
  return modules.flatMap((m) => m.standaloneRoutes ?? [])
}

/** The menu this user sees: entries they have the permission for, by `order`. */
export function menuEntries(modules: readonly AppModule[], can: Can): MenuEntry[] {
  return modules
    .flatMap((m) => m.menu ?? [])
    .filter((e) => allows(e.permission, can))
    .sort((a, b) => a.order - b.order)
}

function under(path: string, prefix: string): boolean {
  if (prefix === '/') return path.startsWith('/')
  return path === prefix || path.startsWith(`${prefix}/`)
}

/** The menu entry to highlight on this route: named by `activeFor`, else the longest path the route is under. */
export function activeMenuPath(entries: readonly MenuEntry[], route: { name?: unknown; path: string }): string {
  const name = route.name === undefined || route.name === null ? '' : String(route.name)
  const named = entries.find((e) => name && e.activeFor?.includes(name))
  if (named) return named.path
  let best = ''
  for (const e of entries) if (under(route.path, e.path) && e.path.length > best.length) best = e.path
  return best
}

/** Loaders of the pages marked `meta.prefetch` that this user may open. */
export function prefetchLoaders(modules: readonly AppModule[], can: Can): (() => Promise<unknown>)[] {
  const out: (() => Promise<unknown>)[] = []
  const walk = (routes: RouteRecordRaw[]) => {
    for (const r of routes) {
      const allowed = allows(r.meta?.permission, can)
      // lazy pages are `() => import(...)`; an already-loaded component (an object) needs no fetching
      if (r.meta?.prefetch && allowed && typeof r.component === 'function') out.push(r.component as () => Promise<unknown>)
      if (r.children) walk(r.children)
    }
  }
  for (const m of modules) walk(m.routes ?? [])
  return out
}
