import { getCurrentScope, onScopeDispose, watch } from 'vue'

/**
 * Calls `tick` every `intervalMs` while `shouldPoll()` is true: one call at a time (the next one is scheduled when
 * the previous has finished), resumed when `shouldPoll()` becomes true again, stopped with the component or scope.
 */
export function usePolling(tick: () => Promise<unknown>, shouldPoll: () => boolean, intervalMs = 2000) {
  let timer: ReturnType<typeof setTimeout> | null = null
  let running = false
  let stopped = false

  function schedule(): void {
    if (stopped || timer !== null || running || !shouldPoll()) return
    timer = setTimeout(async () => {
      timer = null
      if (stopped || !shouldPoll()) return
      running = true
      try {
        await tick()
      } catch {
        /* the next round tries again */
      } finally {
        running = false
      }
      schedule()
    }, intervalMs)
  }

  function stop(): void {
    stopped = true
    if (timer !== null) clearTimeout(timer)
    timer = null
  }

  watch(shouldPoll, (on) => (on ? schedule() : undefined), { immediate: true })
  if (getCurrentScope()) onScopeDispose(stop)

  return { schedule, stop }
}
