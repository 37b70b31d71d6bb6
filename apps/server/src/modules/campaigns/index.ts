import type { ModuleDeps } from '../../platform/deps';
import type { HttpServer } from '../../platform/http/server';
import type { Outbound } from '../messaging';
import { createTemplatesService } from './templates.service';
import { createCampaignsService } from './campaigns.service';
import { createEngine } from './engine';
import { campaignsRoutes, templatesRoutes } from './campaigns.routes';
import { followChannels } from './channel-events';

export { renderText, renderTemplate, graphemeLength, truncateGraphemes } from './render';
export { evaluateGate, type SkipReason } from './gate';

/**
 * Campaigns: message templates, campaign definitions and their state machine, the plan (the send
 * gate over the audience), and the engine that sends through the messaging module's durable path.
 */
export function campaignsModule(deps: ModuleDeps & { outbound: Outbound }) {
  const templates = createTemplatesService(deps);
  const engine = createEngine(deps);
  deps.jobs.define(engine.runJob);
  deps.jobs.define(engine.resumeJob);
  deps.jobs.define(engine.windowJob);
  const campaigns = createCampaignsService({ ...deps, engine });
  followChannels({ ...deps, engine });
  return {
    templates,
    campaigns,
    engine,
    routes: async (app: HttpServer) => {
      await app.register(templatesRoutes({ templates }));
      await app.register(campaignsRoutes({ campaigns }));
    },
  };
}
