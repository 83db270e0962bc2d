import { describe, expect, it } from 'vitest'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import zhCN from './zh-CN'
import en from './en'

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) return files(p)
    return /\.(vue|ts)$/.test(name) && !name.endsWith('.test.ts') ? [p] : []
  })
}

function has(messages: unknown, key: string): boolean {
  let cur: unknown = messages
  for (const part of key.split('.')) {
    if (cur === null || typeof cur !== 'object' || !(part in (cur as object))) return false
    cur = (cur as Record<string, unknown>)[part]
  }
  return typeof cur === 'string'
}

function leaves(o: unknown, prefix = ''): string[] {
  if (typeof o === 'string') return [prefix]
  return Object.entries(o as Record<string, unknown>).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k))
}

const src = resolve(__dirname, '..')
const used = new Set<string>()
for (const f of files(src)) {
  const text = readFileSync(f, 'utf-8')
  for (const m of text.matchAll(/\bt\(\s*'([a-zA-Z_][\w.]*)'/g)) used.add(m[1])
}

describe('messages', () => {
  it('finds keys in the sources', () => {
    expect(used.size).toBeGreaterThan(100)
  })
  it.each([...used].sort())('has %s in zh-CN and en', (key) => {
    expect(has(zhCN, key), `zh-CN ${key}`).toBe(true)
    expect(has(en, key), `en ${key}`).toBe(true)
  })
  it('has the same keys in both languages', () => {
    expect(leaves(en).sort()).toEqual(leaves(zhCN).sort())
  })
})
