import postgres from 'postgres';

/**
 * PostgreSQL's autovacuum, done by the bench when the server has it turned off (`autovacuum = off`, as on
 * test servers tuned for speed). A production server runs autovacuum: without it a table that grows from
 * empty never gets planner statistics and the plans of every query on it degrade as it grows, which would
 * measure the server's configuration rather than the product. Every `autovacuum_naptime`, each table of the
 * database past autovacuum's own thresholds (the server's settings) is vacuumed and/or analyzed, with
 * autovacuum's cost-based throttling, from a connection of its own.
 */
export type AutovacuumStandIn = { vacuums: number; analyzes: number; stop(): Promise<void> };

type Settings = {
  naptimeSeconds: number;
  vacuumThreshold: number;
  vacuumScale: number;
  insertThreshold: number;
  insertScale: number;
  analyzeThreshold: number;
  analyzeScale: number;
  costDelayMs: number;
  costLimit: number;
};

/** Starts the stand-in on `url`'s database, or answers null when the server runs autovacuum itself. */
export async function startAutovacuumStandIn(options: { url: string; log(message: string): void }): Promise<AutovacuumStandIn | null> {
  const sql = postgres(options.url, { max: 1, onnotice: () => undefined, idle_timeout: 0 });
  const settings = await sql<{ name: string; setting: string }[]>`
    select name, setting from pg_settings
     where name in ('autovacuum', 'autovacuum_naptime', 'autovacuum_vacuum_threshold', 'autovacuum_vacuum_scale_factor',
                    'autovacuum_vacuum_insert_threshold', 'autovacuum_vacuum_insert_scale_factor', 'autovacuum_analyze_threshold',
                    'autovacuum_analyze_scale_factor', 'autovacuum_vacuum_cost_delay', 'autovacuum_vacuum_cost_limit', 'vacuum_cost_limit')`;
  const get = (name: string, fallback: number) => {
    const value = Number(settings.find((s) => s.name === name)?.setting);
    return Number.isFinite(value) ? value : fallback;
  };
  if (settings.find((s) => s.name === 'autovacuum')?.setting !== 'off') {
    await sql.end({ timeout: 5 });
    return null;
  }
  const costLimit = get('autovacuum_vacuum_cost_limit', -1);
  const s: Settings = {
    naptimeSeconds: get('autovacuum_naptime', 60),
    vacuumThreshold: get('autovacuum_vacuum_threshold', 50),
    vacuumScale: get('autovacuum_vacuum_scale_factor', 0.2),
    // -1 disables insert-triggered vacuums (PostgreSQL 13+; absent before).
    insertThreshold: get('autovacuum_vacuum_insert_threshold', -1),
    insertScale: get('autovacuum_vacuum_insert_scale_factor', 0.2),
    analyzeThreshold: get('autovacuum_analyze_threshold', 50),
    analyzeScale: get('autovacuum_analyze_scale_factor', 0.1),
    costDelayMs: get('autovacuum_vacuum_cost_delay', 2),
    costLimit: costLimit > 0 ? costLimit : get('vacuum_cost_limit', 200),
  };
  // Autovacuum's throttling, so the stand-in costs what autovacuum would.
  await sql.unsafe(`SET vacuum_cost_delay = ${s.costDelayMs}`);
  await sql.unsafe(`SET vacuum_cost_limit = ${s.costLimit}`);
  const [{ pid } = { pid: 0 }] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;

  const state = { running: true, busy: false, vacuums: 0, analyzes: 0 };
  let wake: (() => void) | null = null;
  const nap = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, s.naptimeSeconds * 1000);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const loop = (async () => {
    while (state.running) {
      await nap();
      if (!state.running) break;
      try {
        const tables = await sql<{ name: string; reltuples: number; dead: number; inserted: number; modified: number }[]>`
          select format('%I.%I', s.schemaname, s.relname) as name, greatest(c.reltuples, 0)::float8 as reltuples,
                 s.n_dead_tup::float8 as dead, s.n_ins_since_vacuum::float8 as inserted, s.n_mod_since_analyze::float8 as modified
            from pg_stat_user_tables s join pg_class c on c.oid = s.relid`;
        for (const t of tables) {
          if (!state.running) break;
          const vacuum =
            t.dead > s.vacuumThreshold + s.vacuumScale * t.reltuples || (s.insertThreshold >= 0 && t.inserted > s.insertThreshold + s.insertScale * t.reltuples);
          const analyze = t.modified > s.analyzeThreshold + s.analyzeScale * t.reltuples;
          if (!vacuum && !analyze) continue;
          const started = performance.now();
          state.busy = true;
          try {
            await sql.unsafe(vacuum && analyze ? `VACUUM (ANALYZE) ${t.name}` : vacuum ? `VACUUM ${t.name}` : `ANALYZE ${t.name}`);
          } finally {
            state.busy = false;
          }
          if (vacuum) state.vacuums++;
          if (analyze) state.analyzes++;
          if (t.reltuples > 10_000 || performance.now() - started > 1000) {
            options.log(`autovacuum stand-in: ${vacuum ? 'vacuum' : ''}${vacuum && analyze ? ' + ' : ''}${analyze ? 'analyze' : ''} ${t.name} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
          }
        }
      } catch (err) {
        if (state.running) options.log(`autovacuum stand-in: ${(err as Error).message}`);
      }
    }
  })();
  return {
    get vacuums() {
      return state.vacuums;
    },
    get analyzes() {
      return state.analyzes;
    },
    async stop() {
      state.running = false;
      (wake as (() => void) | null)?.();
      // As autovacuum yields to a command that needs the table, a vacuum in progress is cancelled.
      if (state.busy) {
        const other = postgres(options.url, { max: 1, onnotice: () => undefined });
        await other`select pg_cancel_backend(${pid})`.catch(() => undefined);
        await other.end({ timeout: 5 });
      }
      await loop;
      await sql.end({ timeout: 5 });
    },
  };
}
