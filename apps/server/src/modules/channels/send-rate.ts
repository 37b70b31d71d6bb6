import { SHARED_NUMBER_MAX_MPS } from '@leadmaster/contracts';
import type { ChannelKind } from './channels.tables';

/** Meta's default throughput for a Cloud API number. */
const CLOUD_DEFAULT_MPS = 80;
/** The Sandbox is fast, but not infinitely: demos and benchmarks see pacing work. */
const SANDBOX_DEFAULT_MPS = 200;

/**
 * How many messages per second a channel account may send, from its settings: the Cloud API
 * number's throughput (80 by default, 20 at most when shared with the Business app), a
 * BlueBubbles line's conservative rate (1/s by default), the Sandbox's. WhatsApp Web never sends.
 */
export function sendRateOf(kind: ChannelKind | string, settings: Record<string, unknown>): number {
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null);
  switch (kind) {
    case 'whatsapp_cloud': {
      const shared = settings.sharedWithBusinessApp === true;
      const configured = num(settings.messagesPerSecond) ?? (shared ? SHARED_NUMBER_MAX_MPS : CLOUD_DEFAULT_MPS);
      return shared ? Math.min(configured, SHARED_NUMBER_MAX_MPS) : configured;
    }
    case 'bluebubbles':
      return num(settings.perLinePerSecond) ?? 1;
    case 'sandbox':
      return num(settings.messagesPerSecond) ?? SANDBOX_DEFAULT_MPS;
    default:
      return 0;
  }
}

/**
 * Room left for the trip to the provider: sends are spaced so that a number's R sends fill
 * 1 + ARRIVAL_JITTER_SECONDS seconds, not exactly one. Spaced exactly 1/R apart, one request held
 * up on its way (a busy event loop, a descheduled process, a slow connection) arrives together with
 * the next and the provider counts R + 1 in a second. With this room a hold-up of up to 200 ms
 * never does; the price is sending at 5/6 of the configured rate, which is a ceiling, not a target
 * (decision 0021; 0.1 s was measured too little on a loaded machine: 9 in a second at 8/s).
 */
export const ARRIVAL_JITTER_SECONDS = 0.2;

/** The rate a channel's sends are spaced at: its configured rate (sendRateOf), which is a ceiling, less the room for arrival jitter. */
export function pacingRateOf(kind: ChannelKind | string, settings: Record<string, unknown>): number {
  return sendRateOf(kind, settings) / (1 + ARRIVAL_JITTER_SECONDS);
}
