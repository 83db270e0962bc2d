// Starts the real backend on SQLite with the demo seed, for the browser tests.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '..', '..')
const FUPIN = process.env.FUPIN_BIN ?? join(ROOT, '.venv', 'bin', 'fupin')

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', rej)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => res(port))
    })
  })
}

async function waitFor(url, ms) {
  const until = Date.now() + ms
  let last
  while (Date.now() < until) {
    try {
      const r = await fetch(url)
      if (r.ok) return
      last = `HTTP ${r.status}`
    } catch (e) {
      last = e.message
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`backend did not answer ${url} within ${ms} ms (${last})`)
}

export async function startBackend({ households = 300 } = {}) {
  if (!existsSync(FUPIN)) throw new Error(`${FUPIN} not found: run 'make install' first`)
  const dir = mkdtempSync(join(tmpdir(), 'fupin-e2e-'))
  const env = {
    ...process.env,
    FUPIN_DATABASE_URL: `sqlite+aiosqlite:///${join(dir, 'e2e.db')}`,
    FUPIN_DEMO: '1',
  }
  // --no-adjustments: the scenario changes statuses freely; the demo seed's closed adjustment window would lock them
  for (const args of [['migrate'], ['seed', '--households', String(households), '--no-adjustments']]) {
    const r = spawnSync(FUPIN, args, { cwd: ROOT, env, encoding: 'utf-8' })
    if (r.status !== 0) throw new Error(`fupin ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`)
  }
  const port = await freePort()
  const proc = spawn(FUPIN, ['serve', '--host', '127.0.0.1', '--port', String(port)], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let log = ''
  proc.stdout.on('data', (d) => (log += d))
  proc.stderr.on('data', (d) => (log += d))
  const base = `http://127.0.0.1:${port}`
  try {
    await waitFor(`${base}/healthz`, 30_000)
  } catch (e) {
    proc.kill('SIGKILL')
    throw new Error(`${e.message}\n${log}`)
  }
  return {
    base,
    log: () => log,
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM')
        await Promise.race([new Promise((r) => proc.once('exit', r)), new Promise((r) => setTimeout(r, 5000))])
        if (proc.exitCode === null) proc.kill('SIGKILL')
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
