import type { ModuleDeps } from './platform/deps';
import { AppError } from './platform/errors';
import { maintenanceJob } from './platform/jobs/maintenance';
import { identityModule } from './modules/identity';
import { contactsModule } from './modules/contacts';
import { scoringModule } from './modules/scoring';
import { channelsModule } from './modules/channels';
import { messagingModule } from './modules/messaging';
import { campaignsModule } from './modules/campaigns';
import { filesModule } from './modules/files';
import { calendarModule } from './modules/calendar';

/**
 * Every module of the product, built from the shared dependencies. Building registers their jobs
 * and domain-event listeners; the HTTP routes are registered by buildApp.
 */
export function createModules(deps: ModuleDeps) {
  deps.jobs.define(maintenanceJob(deps.database));
  const identity = identityModule(deps);
  const contacts = contactsModule(deps);
  const scoring = scoringModule(deps);
  const files = filesModule(deps);
  const channels = channelsModule(deps);
  const messaging = messagingModule({ ...deps, adapterFor: (tenantId, channelId) => channels.channels.adapterFor(tenantId, channelId) });
  const campaigns = campaignsModule({ ...deps, outbound: messaging.outbound });
  const calendar = calendarModule({
    ...deps,
    // Calendar and messaging are peers (neither calls the other): the check of a hold's conversation is wired here.
    conversationContact: (tx, { tenantId, conversationId }) =>
      messaging.conversations.loadPresented(tx, tenantId, conversationId).then(
        (conversation) => conversation.contact.id,
        (err: unknown) => {
          if (err instanceof AppError && err.code === 'not_found') return null;
          throw err;
        },
      ),
  });
  return { identity, contacts, scoring, files, channels, messaging, campaigns, calendar };
}

export type Modules = ReturnType<typeof createModules>;
