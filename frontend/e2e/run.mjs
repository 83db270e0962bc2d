// Runs the browser tests with node's test runner and ends with one "N passed, N failed" line.
import { run } from 'node:test'
import { spec } from 'node:test/reporters'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'

const dir = import.meta.dirname
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.test.mjs'))
  .map((f) => join(dir, f))

let passed = 0
let failed = 0
let skipped = 0
const stream = run({ files, concurrency: 1, timeout: 10 * 60 * 1000 })
stream.on('test:pass', (ev) => {
  if (ev.details?.type === 'suite') return
  if (ev.skip || ev.todo) skipped++
  else passed++
})
stream.on('test:fail', (ev) => {
  if (ev.details?.type === 'suite') return
  failed++
})
stream.compose(spec).pipe(process.stdout)
stream.on('end', () => {
  const line = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`
  // after the reporter's own output
  setImmediate(() => {
    process.stdout.write(`\n${line}\n`)
    process.exitCode = failed > 0 || passed === 0 ? 1 : 0
  })
})
