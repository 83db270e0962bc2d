import { describe, expect, it, vi } from 'vitest'
import { useKeysetList } from './useKeysetList'
import type { Page } from '@/api/types'

function deferred<T>() {
  let resolve!: (v: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

describe('useKeysetList', () => {
  it('loads the first page and appends the next ones by cursor', async () => {
    const fetchPage = vi.fn(async (_f: { q: string }, cursor: string | null): Promise<Page<number>> =>
      cursor === null ? { items: [1, 2], next_cursor: 'c2', total: 3 } : { items: [3], next_cursor: null },
    )
    const list = useKeysetList(fetchPage)
    await list.reload({ q: 'a' })
    expect(list.items.value).toEqual([1, 2])
    expect(list.total.value).toBe(3)
    expect(list.hasMore.value).toBe(true)
    await list.loadMore()
    expect(fetchPage).toHaveBeenLastCalledWith({ q: 'a' }, 'c2')
    expect(list.items.value).toEqual([1, 2, 3])
    expect(list.hasMore.value).toBe(false)
    expect(list.firstPageMs.value).not.toBeNull()
  })

  it('ignores an older reload that finishes after a newer one', async () => {
    const slow = deferred<Page<string>>()
    const fetchPage = vi.fn((f: string) => (f === 'old' ? slow.promise : Promise.resolve({ items: ['new'], next_cursor: null })))
    const list = useKeysetList(fetchPage)
    const first = list.reload('old')
    await list.reload('new')
    slow.resolve({ items: ['old'], next_cursor: 'x' })
    await first
    expect(list.items.value).toEqual(['new'])
    expect(list.hasMore.value).toBe(false)
    expect(list.loading.value).toBe(false)
  })

  it('keeps the error and clears the rows when a page fails', async () => {
    const list = useKeysetList(async () => {
      throw new Error('boom')
    })
    await expect(list.reload({})).rejects.toBeTruthy()
    expect(list.items.value).toEqual([])
    expect(list.error.value).not.toBeNull()
    expect(list.loading.value).toBe(false)
  })

  it('does nothing on loadMore without a cursor', async () => {
    const fetchPage = vi.fn(async () => ({ items: [1], next_cursor: null }))
    const list = useKeysetList(fetchPage)
    await list.reload({})
    await list.loadMore()
    expect(fetchPage).toHaveBeenCalledTimes(1)
  })
})
