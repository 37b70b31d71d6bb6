import type { CampaignStatus } from './campaigns.tables';

/**
 * `draft → scheduled → running ⇄ paused → completed`, `cancelled` from any state that is not
 * final. What each action (a person's, or the engine's own `start`, `hold` and `complete`) may move.
 */
export type CampaignAction = 'launch' | 'start' | 'hold' | 'pause' | 'resume' | 'cancel' | 'complete';

const TRANSITIONS: Record<CampaignAction, Partial<Record<CampaignStatus, CampaignStatus>>> = {
  // Launching with a future time schedules it; without one the service starts it at once.
  launch: { draft: 'scheduled' },
  start: { scheduled: 'running' },
  // A scheduled campaign whose WhatsApp template Meta stopped is paused before it starts (decision 0030).
  hold: { scheduled: 'paused' },
  pause: { running: 'paused' },
  // Resuming one held before its start puts it back on its schedule when its time is still ahead (the service decides).
  resume: { paused: 'running' },
  cancel: { draft: 'cancelled', scheduled: 'cancelled', running: 'cancelled', paused: 'cancelled' },
  complete: { running: 'completed' },
};

export const FINAL_STATES: readonly CampaignStatus[] = ['completed', 'cancelled'];

/** The state after `action`, or null when the action is not allowed from `from`. */
export function nextState(from: CampaignStatus, action: CampaignAction): CampaignStatus | null {
  return TRANSITIONS[action][from] ?? null;
}

/** The states an action may start from (for a compare-and-set update). */
export function statesAllowing(action: CampaignAction): CampaignStatus[] {
  return Object.keys(TRANSITIONS[action]) as CampaignStatus[];
}
