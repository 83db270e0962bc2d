import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, refreshSession, unwrap } from '@/api/client'
import { session, type TokenSet } from '@/api/session'
import type { Me } from '@/api/types'

/** How long before expiry the access token is refreshed proactively. */
const REFRESH_MARGIN_MS = 60_000

export const useAuthStore = defineStore('auth', () => {
  const me = ref<Me | null>(null)
  const loggedIn = computed(() => me.value !== null)
  let timer: ReturnType<typeof setTimeout> | null = null

  function scheduleRefresh(): void {
    if (timer) clearTimeout(timer)
    timer = null
    if (!session.active) return
    const delay = Math.max(5_000, session.expiresAt - Date.now() - REFRESH_MARGIN_MS)
    timer = setTimeout(async () => {
      const ok = await refreshSession()
      if (ok) scheduleRefresh()
      else session.expire()
    }, delay)
  }

  async function login(username: string, password: string): Promise<void> {
    const tokens: TokenSet = await unwrap(
      api.POST('/api/v1/auth/token', {
        body: { username, password },
        bodySerializer: (b) => new URLSearchParams(b as Record<string, string>),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      }),
    )
    session.set(tokens)
    await loadMe()
    scheduleRefresh()
  }

  async function loadMe(): Promise<Me> {
    const data = await unwrap(api.GET('/api/v1/me', {}))
    me.value = data
    return data
  }

  /** On start: resume a stored session if its tokens still work. */
  async function restore(): Promise<boolean> {
    if (!session.active) return false
    if (me.value) return true
    try {
      await loadMe()
      scheduleRefresh()
      return true
    } catch {
      return false
    }
  }

  async function logout(): Promise<void> {
    const refresh_token = session.refreshToken
    if (timer) clearTimeout(timer)
    timer = null
    try {
      if (refresh_token) await api.POST('/api/v1/auth/logout', { body: { refresh_token } })
    } catch {
      /* logging out locally is enough when the server is unreachable */
    }
    session.clear()
    me.value = null
  }

  /** Forget the user locally (session expired or revoked). */
  function drop(): void {
    if (timer) clearTimeout(timer)
    timer = null
    me.value = null
  }

  function can(permission: string): boolean {
    return me.value?.permissions?.includes(permission) ?? false
  }

  const primaryRole = computed(() => me.value?.roles?.[0] ?? '')

  return { me, loggedIn, login, loadMe, restore, logout, drop, can, primaryRole }
})
