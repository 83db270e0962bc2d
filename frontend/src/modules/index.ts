/**
 * The module registry: every domain module of the app, in menu-independent order (menus sort by `order`).
 * Adding a domain = a folder src/modules/<domain>/ with a routes.ts, and one line here.
 */
import type { AppModule } from './module'
import assessment from './assessment/routes'
import auth from './auth/routes'
import cadres from './cadres/routes'
import dashboard from './dashboard/routes'
import findings from './findings/routes'
import households from './households/routes'
import imports from './imports/routes'
import integration from './integration/routes'
import jobs from './jobs/routes'
import measures from './measures/routes'
import projects from './projects/routes'
import regions from './regions/routes'
import views from './views/routes'

export const MODULES: readonly AppModule[] = [
  auth,
  dashboard,
  households,
  imports,
  jobs,
  integration,
  regions,
  measures,
  cadres,
  views,
  projects,
  findings,
  assessment,
]
