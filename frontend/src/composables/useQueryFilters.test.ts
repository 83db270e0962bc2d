import { describe, expect, it } from 'vitest'
import { defineComponent, h, nextTick } from 'vue'
import { mount, flushPromises } from '@vue/test-utils'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'
import { filter, filtersFromQuery, filtersToQuery, useQueryFilters, type FiltersOf } from './useQueryFilters'

const SPEC = {
  region: filter('string', { default: () => current.region }),
  status: 'string',
  year: 'int',
  causes: 'strings',
  poor: 'bool',
  sort: filter('string', { default: 'number', oneOf: ['number', '-number', '-updated_at'] }),
} as const
type F = FiltersOf<typeof SPEC>
const current = { region: '220382' }

async function setup(path = '/list') {
  const calls: F[] = []
  let api!: ReturnType<typeof useQueryFilters<typeof SPEC>>
  const List = defineComponent({
    setup() {
      api = useQueryFilters(SPEC, { onChange: (f) => calls.push(f), immediate: true })
      return () => null
    },
  })
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/list', name: 'list', component: List },
      { path: '/detail/:id', name: 'detail', component: { render: () => null } },
    ],
  })
  await router.push(path)
  await router.isReady()
  mount({ render: () => h(RouterView) }, { global: { plugins: [router] } })
  await flushPromises()
  return { router, calls, api: () => api }
}

describe('filters in the query string', () => {
  it('reads typed values and falls back to defaults for missing or invalid ones', () => {
    expect(filtersFromQuery(SPEC, { status: 'not_exited', year: '2020', causes: ['01', '02'], poor: 'true', sort: 'bogus' })).toEqual({
      region: '220382',
      status: 'not_exited',
      year: 2020,
      causes: ['01', '02'],
      poor: true,
      sort: 'number',
    })
    expect(filtersFromQuery(SPEC, { year: '20x0', causes: '01', status: '' })).toMatchObject({ year: null, causes: ['01'], status: null })
  })

  it('writes only what differs from the defaults', () => {
    expect(filtersToQuery(SPEC, { region: '220382', status: null, year: 2019, causes: [], poor: false, sort: 'number' })).toEqual({ year: '2019', poor: 'false' })
    expect(filtersToQuery(SPEC, { region: '220382001', status: 'x', year: null, causes: ['03'], poor: null, sort: '-number' })).toEqual({
      region: '220382001',
      status: 'x',
      causes: ['03'],
      sort: '-number',
    })
  })

  it('starts from the URL, writes a search to it, and follows back and forward', async () => {
    const { router, calls, api } = await setup('/list?status=not_exited&year=2020')
    expect(calls).toHaveLength(1)
    expect(calls[0]).toMatchObject({ status: 'not_exited', year: 2020, region: '220382', sort: 'number' })

    const { filters, apply } = api()
    filters.year = null
    filters.sort = '-updated_at'
    await apply()
    await flushPromises()
    expect(router.currentRoute.value.fullPath).toBe('/list?status=not_exited&sort=-updated_at')
    expect(calls).toHaveLength(2)
    expect(calls[1]).toMatchObject({ year: null, sort: '-updated_at' })

    // to a detail page and back: the filters come back from the URL
    await router.push('/detail/7')
    await flushPromises()
    expect(calls).toHaveLength(2) // leaving the page is not a filter change
    router.back()
    await flushPromises()
    expect(router.currentRoute.value.fullPath).toBe('/list?status=not_exited&sort=-updated_at')
    expect(api().filters).toMatchObject({ status: 'not_exited', year: null, sort: '-updated_at' })
  })

  it('asks again when the search does not change the URL, and resets to the defaults', async () => {
    const { router, calls, api } = await setup('/list?status=not_exited')
    await api().apply()
    expect(calls).toHaveLength(2)
    expect(router.currentRoute.value.fullPath).toBe('/list?status=not_exited')
    await api().reset()
    await flushPromises()
    expect(router.currentRoute.value.fullPath).toBe('/list')
    expect(calls.at(-1)).toEqual({ region: '220382', status: null, year: null, causes: [], poor: null, sort: 'number' })
  })

  it('follows a link to the same page with other filters', async () => {
    const { router, calls, api } = await setup('/list')
    await router.push({ name: 'list', query: { region: '220382101' } })
    await flushPromises()
    await nextTick()
    expect(api().filters.region).toBe('220382101')
    expect(calls.at(-1)?.region).toBe('220382101')
    // what the handler got is a copy, not the live filters
    api().filters.causes.push('01')
    expect(calls.at(-1)?.causes).toEqual([])
  })
})
