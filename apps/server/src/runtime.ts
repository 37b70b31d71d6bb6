import type { Config } from './platform/config';
import type { Logger } from './platform/logger';
import type { ModuleDeps } from './platform/deps';
import { openDatabase, type Database } from './platform/db/database';
import { migrateDatabase } from './platform/db/migrate';
import { createSecrets, loadSecretKey } from './platform/crypto/secrets';
import { createLocalBus, createPostgresBus } from './platform/events/bus';
import { JobQueue } from './platform/jobs/queue';
import { systemClock, type Clock } from './platform/clock';
import { DomainEvents } from './platform/events/domain-events';
import { setHeapGrowth } from './platform/heap';
import { buildApp, type BuiltApp } from './app';
import { createModules, type Modules } from './modules';

export type Runtime = {
  deps: ModuleDeps;
  modules: Modules;
  http: BuiltApp | null;
  close(): Promise<void>;
};

/**
 * Opens (and migrates) the database, then starts what this process runs: the HTTP server
 * (`http`), the background workers (`work`), or neither (CLI commands that need only the deps).
 */
export async function startRuntime(options: {
  config: Config;
  logger: Logger;
  owner: 'server' | 'cli';
  http: boolean;
  work: boolean;
  migrate?: boolean;
  clock?: Clock;
  database?: Database;
}): Promise<Runtime> {
  const { config, logger } = options;
  setHeapGrowth(config.heapGrowthPercent);
  const secrets = createSecrets(await loadSecretKey({ secretKey: config.secretKey, dataDir: config.dataDir }));
  const database =
    options.database ??
    (await openDatabase({ config, owner: options.owner, onWait: (message) => logger.warn(message) }));
  const closers: (() => Promise<void>)[] = [];
  try {
    const bus = database.kind === 'postgres' ? createPostgresBus({ sql: database.sql, logger }) : createLocalBus();
    closers.push(() => bus.close());
    const jobs = new JobQueue({ database, bus, logger });
    const deps: ModuleDeps = { config, logger, database, secrets, bus, jobs, clock: options.clock ?? systemClock, events: new DomainEvents() };
    // Modules register their jobs and event listeners as they are built; nothing runs yet.
    const modules = createModules(deps);
    if (options.migrate !== false) {
      await migrateDatabase({ target: database.target, afterMigrate: (owner) => JobQueue.install(owner, jobs.all) });
    }
    // Only now: on a fresh PostgreSQL the application role is created by the migration.
    await bus.start();
    await jobs.start({ work: options.work });
    closers.push(() => jobs.stop());
    // Long-lived provider connections (WhatsApp Web sessions) live where background work runs.
    if (options.work) closers.push(modules.channels.whatsappWeb.startSessions());
    const http = options.http ? await buildApp(deps, modules) : null;
    if (http) closers.push(() => http.app.close());
    return {
      deps,
      modules,
      http,
      // In reverse: stop taking requests (in-flight ones finish), stop workers, then the database.
      close: async () => {
        for (const close of closers.reverse()) await close().catch((err) => logger.error({ err }, 'shutdown step failed'));
        if (!options.database) await database.close();
      },
    };
  } catch (err) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    if (!options.database) await database.close();
    throw err;
  }
}
