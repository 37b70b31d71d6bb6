import type { Config } from './config';
import type { Logger } from './logger';
import type { Database } from './db/database';
import type { Secrets } from './crypto/secrets';
import type { EventBus } from './events/bus';
import type { JobQueue } from './jobs/queue';
import type { Clock } from './clock';
import type { DomainEvents } from './events/domain-events';

/** What every module is built from. Modules receive it; they never reach for globals. */
export type ModuleDeps = {
  config: Config;
  logger: Logger;
  database: Database;
  secrets: Secrets;
  bus: EventBus;
  jobs: JobQueue;
  clock: Clock;
  events: DomainEvents;
};
