import type { ModuleDeps } from '../../platform/deps';
import type { HttpServer } from '../../platform/http/server';
import { createScoringService } from './scoring.service';
import { scoringRoutes } from './scoring.routes';

export { getScoringSettings, DEFAULT_THRESHOLD } from './scoring.service';

/** Contactability, digital maturity and commercial potential, each with its explanation. */
export function scoringModule(deps: ModuleDeps) {
  const scoring = createScoringService(deps);
  deps.jobs.define(scoring.rescoreJob);
  deps.jobs.define(scoring.rescoreSignalledJob);
  return {
    scoring,
    routes: async (app: HttpServer) => {
      await app.register(scoringRoutes({ ...deps, scoring }));
    },
  };
}
