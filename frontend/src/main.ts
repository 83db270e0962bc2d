import { createApp } from 'vue'
import { createPinia } from 'pinia'
import 'element-plus/theme-chalk/base.css'
import 'element-plus/theme-chalk/el-message.css'
import 'element-plus/theme-chalk/el-message-box.css'
import 'element-plus/theme-chalk/el-loading.css'
import App from './App.vue'
import { i18n } from './i18n'
import { router } from './router'
import { session } from './api/session'
import { useAuthStore } from './modules/auth/store'
import { useRegionStore } from './modules/regions/store'
import { notifyError } from './utils/notify'
import './styles.css'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
app.use(i18n)
app.use(router)

// Any failure reaches the user as a readable message, not only the console.
app.config.errorHandler = (err) => {
  notifyError(err)
}
window.addEventListener('unhandledrejection', (ev) => {
  notifyError(ev.reason)
})

// An expired or revoked session goes back to the login page with a message.
session.onExpired(() => {
  useAuthStore(pinia).drop()
  useRegionStore(pinia).reset()
  const current = router.currentRoute.value
  if (current.name !== 'login') {
    router.replace({ name: 'login', query: { expired: '1', redirect: current.fullPath } })
  }
})

document.documentElement.lang = i18n.global.locale.value
app.mount('#app')
