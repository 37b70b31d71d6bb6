import type { ModuleDeps } from '../../platform/deps';
import type { HttpServer } from '../../platform/http/server';
import { createChannelsService } from './channels.service';
import { createInboundService } from './inbound.service';
import { channelsRoutes } from './channels.routes';
import { webhookRoutes } from './webhooks.routes';
import { createBlueBubblesReconciler } from './bluebubbles/reconcile';
import { createSandbox } from './sandbox/sandbox.service';
import { sandboxRoutes } from './sandbox/sandbox.routes';
import { whatsappWebModule } from './whatsapp-web';
import { followTemplateStatus } from './template-status';

export { WHATSAPP_ERROR_ACTIONS, errorAction, STATUS_RANK, type WaInbound } from './whatsapp-cloud/payload';
export type { InboundItem, InboundMessageItem, InboundStatusItem, InboundSender } from './inbound-items';
export { sendRateOf, pacingRateOf } from './send-rate';
export { takeSendToken } from './send-token';
export { sendGuardsOf, isProviderFault, dailyCapOf, BREAKER_THRESHOLD, type SendGuardView } from './breaker';
export { messagingLimitOf, admitConversationStarts, type MessagingLimit } from './messaging-limit';
export { inboundWebhooks, templateStatusUpdates, STOPPED_TEMPLATE_STATUSES, APPROVING_TEMPLATE_EVENTS, type TemplateStatusUpdate } from './template-status';
export { reserveSendSlots } from './send-slots';
export { headerMediaProblem } from './whatsapp-cloud/template-header';
export { ChannelSendError, type ChannelAdapter, type OutboundSend, type SendReceipt, type MessageService } from './adapters/adapter';

/** Channel accounts, their adapters and the durable inbound path. */
export function channelsModule(deps: ModuleDeps) {
  const channels = createChannelsService(deps);
  const inbound = createInboundService({ ...deps, secretsOf: channels.secretsOf });
  deps.jobs.define(inbound.processJob);
  deps.jobs.define(inbound.drainJob);
  followTemplateStatus(deps.events);
  const bluebubbles = createBlueBubblesReconciler({ ...deps, channels, storeEvent: inbound.storeEvent });
  deps.jobs.define(bluebubbles.reconcileJob);
  deps.jobs.define(bluebubbles.reconcileAllJob);
  const sandbox = createSandbox({ ...deps, channels, storeEvent: inbound.storeEvent });
  deps.jobs.define(sandbox.reportJob);
  channels.registerAdapter('sandbox', ({ row }) => sandbox.adapterFor(row));
  const whatsappWeb = whatsappWebModule({ ...deps, channels, inbound });
  return {
    channels,
    inbound,
    bluebubbles,
    sandbox,
    whatsappWeb,
    routes: async (app: HttpServer) => {
      await app.register(channelsRoutes({ channels }));
      await app.register(webhookRoutes({ inbound }));
      await app.register(sandboxRoutes({ sandbox }));
      await app.register(whatsappWeb.routes);
    },
  };
}
