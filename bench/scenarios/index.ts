import type { Scenario } from '../lib/types';
import { httpOverhead } from './http-overhead';
import { eventLoopStall } from './event-loop-stall';
import { contactsImport } from './contacts-import';
import { contactsRescore } from './contacts-rescore';
import { contactsSearch } from './contacts-search';
import { webhookIngestion } from './webhook-ingestion';
import { campaignEngine } from './campaign-engine';
import { inbox } from './inbox';
import { campaignReliability } from './campaign-reliability';
import { campaignTimelineScenario } from './campaign-timeline';

/** Every scenario, in report order. A new one is a file in this folder plus a line here. */
export const SCENARIOS: Scenario[] = [httpOverhead, eventLoopStall, contactsImport, contactsRescore, contactsSearch, webhookIngestion, inbox, campaignEngine, campaignReliability, campaignTimelineScenario];
