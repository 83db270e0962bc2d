import { reactive, watch, type UnwrapRef } from 'vue'
import { useRoute, useRouter, type LocationQuery, type LocationQueryRaw } from 'vue-router'

/** How a filter is written in the query string. */
export type FilterKind = 'string' | 'int' | 'bool' | 'strings'
type KindValue<K extends FilterKind> = K extends 'int' ? number | null : K extends 'bool' ? boolean | null : K extends 'strings' ? string[] : string | null

export interface FilterField<K extends FilterKind = FilterKind> {
  kind: K
  /** the value when the URL has none (a function is read each time: e.g. the region currently chosen) */
  default?: KindValue<K> | (() => KindValue<K>)
  /** accepted values (others in the URL fall back to the default) */
  oneOf?: readonly string[]
}

export type FilterSpec = Record<string, FilterKind | FilterField>
type FieldKind<F> = F extends FilterKind ? F : F extends FilterField<infer K> ? K : never
export type FiltersOf<S extends FilterSpec> = { -readonly [K in keyof S]: KindValue<FieldKind<S[K]>> }

/** Declares a field with a default or allowed values; keeps the value type of its kind. */
export function filter<K extends FilterKind>(kind: K, opts: Omit<FilterField<K>, 'kind'> = {}): FilterField<K> {
  return { kind, ...opts }
}

function field(spec: FilterKind | FilterField): FilterField {
  return typeof spec === 'string' ? { kind: spec } : spec
}

function defaultOf(f: FilterField): unknown {
  const d = typeof f.default === 'function' ? (f.default as () => unknown)() : f.default
  if (d !== undefined) return d
  return f.kind === 'strings' ? [] : null
}

function firstValue(v: LocationQuery[string] | undefined): string | null {
  const s = Array.isArray(v) ? v[0] : v
  return typeof s === 'string' && s !== '' ? s : null
}

function parse(f: FilterField, raw: LocationQuery[string] | undefined): unknown {
  if (f.kind === 'strings') {
    const list = (Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw]).filter((s): s is string => typeof s === 'string' && s !== '')
    const ok = f.oneOf ? list.filter((s) => f.oneOf!.includes(s)) : list
    return ok.length ? ok : defaultOf(f)
  }
  const s = firstValue(raw)
  if (s === null) return defaultOf(f)
  if (f.kind === 'int') return /^-?\d+$/.test(s) ? Number(s) : defaultOf(f)
  if (f.kind === 'bool') return s === 'true' || s === '1' ? true : s === 'false' || s === '0' ? false : defaultOf(f)
  return !f.oneOf || f.oneOf.includes(s) ? s : defaultOf(f)
}

function serialise(f: FilterField, v: unknown): string | string[] | null {
  if (v === null || v === undefined || v === '') return null
  if (f.kind === 'strings') return Array.isArray(v) && v.length ? v.map(String) : null
  return String(v)
}

/** The filters as a query: empty values and defaults are left out. */
export function filtersToQuery(spec: FilterSpec, values: Record<string, unknown>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [name, s] of Object.entries(spec)) {
    const f = field(s)
    const v = serialise(f, values[name])
    if (v === null) continue
    if (JSON.stringify(v) === JSON.stringify(serialise(f, defaultOf(f)))) continue
    out[name] = v
  }
  return out
}

/** The filters read from a query (missing or invalid values → defaults). */
export function filtersFromQuery<S extends FilterSpec>(spec: S, query: LocationQuery): FiltersOf<S> {
  const out: Record<string, unknown> = {}
  for (const [name, s] of Object.entries(spec)) out[name] = parse(field(s), query[name])
  return out as FiltersOf<S>
}

function sameQuery(a: LocationQueryRaw, b: LocationQueryRaw): boolean {
  const norm = (q: LocationQueryRaw) =>
    JSON.stringify(
      Object.keys(q)
        .sort()
        .map((k) => [k, q[k]]),
    )
  return norm(a) === norm(b)
}

export interface QueryFiltersOptions<F> {
  /** called with the filters on start (when `immediate`), on apply and whenever the URL's query changes (back, forward, links) */
  onChange?: (filters: F) => void
  immediate?: boolean
  /** add a history entry per search (default: replace the current one) */
  push?: boolean
}

/**
 * A typed filter object kept in sync with the route's query string, so a reload, a shared link or the back
 * button show the same filtered list. Defaults are not written to the URL.
 *
 *   const { filters, apply, reset } = useQueryFilters({ status: 'string', year: 'int', sort: filter('string', { default: 'name' }) },
 *                                                     { onChange: load, immediate: true })
 */
export function useQueryFilters<S extends FilterSpec>(spec: S, options: QueryFiltersOptions<FiltersOf<S>> = {}) {
  const route = useRoute()
  const router = useRouter()
  // the page's own route: leaving it changes the query too, which is not a filter change
  const ownName = route.name
  const ownPath = route.path
  const filters = reactive(filtersFromQuery(spec, route.query)) as UnwrapRef<FiltersOf<S>> & FiltersOf<S>

  const snapshot = (): FiltersOf<S> =>
    Object.fromEntries(Object.entries(filters).map(([k, v]) => [k, Array.isArray(v) ? [...v] : v])) as FiltersOf<S>
  const changed = () => options.onChange?.(snapshot())

  function read(): void {
    Object.assign(filters, filtersFromQuery(spec, route.query))
  }

  /** The query the current filters stand for. */
  function toQuery(): Record<string, string | string[]> {
    return filtersToQuery(spec, filters as Record<string, unknown>)
  }

  /** Writes the filters to the URL (the query watcher then calls onChange); same URL → onChange now. */
  async function apply(): Promise<void> {
    const query = toQuery()
    if (sameQuery(query, route.query as LocationQueryRaw)) {
      read() // normalise what the user typed the way a reload would read it
      changed()
      return
    }
    await (options.push ? router.push({ query }) : router.replace({ query }))
  }

  /** Back to the defaults (and applies them). */
  function reset(): Promise<void> {
    Object.assign(filters, filtersFromQuery(spec, {}))
    return apply()
  }

  watch(
    () => route.query,
    () => {
      if (route.name !== ownName || (ownName === undefined && route.path !== ownPath)) return
      read()
      changed()
    },
  )

  if (options.immediate) changed()

  return { filters, apply, reset, toQuery }
}
