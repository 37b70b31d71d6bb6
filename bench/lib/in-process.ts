import { loadConfig } from '../../apps/server/src/platform/config';
import { createLogger } from '../../apps/server/src/platform/logger';
import { startRuntime, type Runtime } from '../../apps/server/src/runtime';
import { startAutovacuumStandIn, type AutovacuumStandIn } from './autovacuum';
import type { ScenarioContext } from './types';

export type InProcessRuntime = {
  runtime: Runtime;
  /** Runs autovacuum's work when the PostgreSQL server has autovacuum off; null otherwise (and on PGlite). */
  autovacuum: AutovacuumStandIn | null;
  close(): Promise<void>;
};

/**
 * The product's runtime in the bench process (`startRuntime`, `LOG_LEVEL=warn`, no background workers),
 * on the database `env` names. Closed by the scenario's cleanup, or earlier by `close()` (once).
 */
export async function startInProcess(ctx: ScenarioContext, options: { env: Record<string, string>; http: boolean }): Promise<InProcessRuntime> {
  // The product's own settings; HEAP_GROWTH_PERCENT from the bench's environment, when set, for experiments.
  const heap = process.env.HEAP_GROWTH_PERCENT ? { HEAP_GROWTH_PERCENT: process.env.HEAP_GROWTH_PERCENT } : {};
  const config = loadConfig({ ...options.env, ...heap, LOG_LEVEL: 'warn', PORT: '0' });
  const logger = createLogger({ level: config.logLevel, destination: process.stderr as never });
  const runtime = await startRuntime({ config, logger, owner: 'server', http: options.http, work: false });
  let autovacuum: AutovacuumStandIn | null = null;
  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      await autovacuum?.stop();
      await runtime.close();
    })());
  ctx.cleanup.defer('close runtime', close);
  if (options.env.DATABASE_URL) {
    autovacuum = await startAutovacuumStandIn({ url: options.env.DATABASE_URL, log: ctx.log });
    if (autovacuum) {
      ctx.note(
        'The PostgreSQL server runs with `autovacuum = off`; a production server runs it, so the bench does its work instead: every `autovacuum_naptime` it vacuums and analyzes the tables of the bench database that are past autovacuum\'s thresholds (the server\'s settings, with its cost-based throttling), from its own connection (`lib/autovacuum.ts`). PGlite has no autovacuum and gets none.',
      );
    }
  }
  if (runtime.http) await runtime.http.app.ready();
  return { runtime, autovacuum, close };
}
