/** Token storage shared by the API client and the auth store (kept outside Pinia to avoid import cycles). */
export interface TokenSet {
  access_token: string
  refresh_token: string
  expires_in: number
  token_type?: string
}

interface Stored {
  access: string
  refresh: string
  expiresAt: number // epoch ms
}

const KEY = 'fupin.session'

function load(): Stored | null {
  try {
    const raw = localStorage.getItem(KEY)
    return raw ? (JSON.parse(raw) as Stored) : null
  } catch {
    return null
  }
}

let current: Stored | null = load()
const listeners = new Set<() => void>()

export const session = {
  get accessToken(): string | null {
    return current?.access ?? null
  },
  get refreshToken(): string | null {
    return current?.refresh ?? null
  },
  get expiresAt(): number {
    return current?.expiresAt ?? 0
  },
  get active(): boolean {
    return current !== null
  },
  set(tokens: TokenSet): void {
    current = {
      access: tokens.access_token,
      refresh: tokens.refresh_token,
      expiresAt: Date.now() + Math.max(0, Number(tokens.expires_in) || 0) * 1000,
    }
    try {
      localStorage.setItem(KEY, JSON.stringify(current))
    } catch {
      /* private mode */
    }
  },
  clear(): void {
    current = null
    try {
      localStorage.removeItem(KEY)
    } catch {
      /* ignore */
    }
  },
  /** Re-read storage (another tab may have refreshed the tokens). */
  reload(): void {
    current = load()
  },
  /** Called when the session can no longer be refreshed (expired or revoked). */
  onExpired(fn: () => void): () => void {
    listeners.add(fn)
    return () => listeners.delete(fn)
  },
  expire(): void {
    const had = current !== null
    this.clear()
    if (had) listeners.forEach((fn) => fn())
  },
}
