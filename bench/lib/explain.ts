import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import { connectionOptions, type DatabaseTarget, type Tx } from '../../apps/server/src/platform/db/database';
import { APP_ROLE } from '../../apps/server/src/platform/db/security';

/**
 * The SQL the product sends, captured by running its own repository functions on a connection that logs
 * every statement (postgres.js `debug`), then explained the way the server executes it: as a named
 * prepared statement, executed a few times first so PostgreSQL's plan cache settles on a custom or a
 * generic plan, then `EXPLAIN (ANALYZE, BUFFERS) EXECUTE`.
 */
export type CapturedStatement = { query: string; parameters: unknown[] };

export type PlanSummary = {
  /** Scan nodes in plan order, e.g. `Index Scan Backward using contacts_pkey on contacts`. */
  scans: string[];
  /** Sequential scans of the contacts table: what the issue forbids. */
  seqScansOnContacts: number;
  /** The plan cache chose a generic plan (parameters left as $n in the plan). */
  generic: boolean;
  executionMs: number | null;
  /** Rows the scans read and threw away (`Rows Removed by Filter` and `by Index Recheck`). */
  rowsRemoved: number;
  sharedBuffers: number;
};

export type StatementCapture = {
  /** Runs `fn` in a transaction for `tenantId` (as `database.withTenant` does) and returns the statements it sent. */
  capture(tenantId: string, fn: (tx: Tx) => Promise<unknown>): Promise<CapturedStatement[]>;
  /** EXPLAIN (ANALYZE, BUFFERS) of a captured statement as the app role with the tenant set. */
  explain(tenantId: string, statement: CapturedStatement, options?: { executionsFirst?: number }): Promise<string>;
  close(): Promise<void>;
};

export function statementCapture(target: DatabaseTarget): StatementCapture {
  let log: CapturedStatement[] | null = null;
  const options = {
    ...connectionOptions(target, { max: 1, role: APP_ROLE }),
    debug: (_connection: number, query: string, parameters: unknown[]) => {
      log?.push({ query, parameters });
    },
  };
  const client = 'url' in target ? postgres(target.url, options) : postgres(options);
  const db = drizzle({ client, casing: 'snake_case' });
  let statementNumber = 0;
  return {
    async capture(tenantId, fn) {
      const captured: CapturedStatement[] = [];
      log = captured;
      try {
        await db.transaction(async (tx) => {
          await tx.execute(sql`select set_config('app.tenant_id', ${tenantId}, true)`);
          await fn(tx);
        });
      } finally {
        log = null;
      }
      return captured.filter((s) => !/set_config\('app\.tenant_id'/.test(s.query) && !/^\s*(begin|commit|rollback)\b/i.test(s.query));
    },
    async explain(tenantId, statement, explainOptions = {}) {
      const name = `bench_explain_${++statementNumber}`;
      const args = statement.parameters.map(literal).join(', ');
      const execute = `EXECUTE ${name}${args ? `(${args})` : ''}`;
      const lines = await client.begin(async (tx) => {
        await tx`select set_config('app.tenant_id', ${tenantId}, true)`;
        await tx.unsafe(`PREPARE ${name} AS ${statement.query}`);
        // PostgreSQL decides between custom and generic plans after five executions, as for the app's own prepared statements.
        for (let i = 0; i < (explainOptions.executionsFirst ?? 6); i++) await tx.unsafe(execute);
        const plan = await tx.unsafe<{ 'QUERY PLAN': string }[]>(`EXPLAIN (ANALYZE, BUFFERS) ${execute}`);
        await tx.unsafe(`DEALLOCATE ${name}`);
        return plan.map((r) => r['QUERY PLAN']);
      });
      return lines.join('\n');
    },
    close: () => client.end({ timeout: 5 }),
  };
}

/** A parameter as an SQL literal for EXECUTE (PREPARE inferred each parameter's type). */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return quote(value.toISOString());
  if (Array.isArray(value)) return quote(`{${value.map((v) => (v === null ? 'NULL' : `"${String(v).replace(/["\\]/g, (c) => `\\${c}`)}"`)).join(',')}}`);
  if (typeof value === 'object') return quote(JSON.stringify(value));
  return quote(String(value));
}

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

const SCAN = /((?:Parallel )?(?:Seq Scan|Index Only Scan(?: Backward)?|Index Scan(?: Backward)?|Bitmap Index Scan|Bitmap Heap Scan))(?: using (\S+))? on (\S+)/;

export function summarizePlan(plan: string): PlanSummary {
  const scans: string[] = [];
  let seqScansOnContacts = 0;
  let rowsRemoved = 0;
  let sharedBuffers = 0;
  let executionMs: number | null = null;
  for (const line of plan.split('\n')) {
    const scan = SCAN.exec(line);
    if (scan) {
      const [, node, index, relation] = scan;
      scans.push(`${node}${index ? ` using ${index}` : ''} on ${relation}`);
      if (node!.endsWith('Seq Scan') && relation === 'contacts') seqScansOnContacts++;
    }
    const removed = /Rows Removed by (?:Filter|Index Recheck): (\d+)/.exec(line);
    if (removed) rowsRemoved += Number(removed[1]);
    const execution = /^Execution Time: ([\d.]+) ms/.exec(line.trim());
    if (execution) executionMs = Number(execution[1]);
  }
  // The top node's buffers include its children's.
  const top = plan.split('\n').find((l) => /Buffers: shared/.test(l));
  if (top) {
    const hit = /hit=(\d+)/.exec(top);
    const read = /read=(\d+)/.exec(top);
    sharedBuffers = Number(hit?.[1] ?? 0) + Number(read?.[1] ?? 0);
  }
  return { scans, seqScansOnContacts, generic: /\$\d+/.test(plan), executionMs, rowsRemoved, sharedBuffers };
}

/** "Index Scan Backward using contacts_pkey on contacts; Bitmap Index Scan using …": the scans, each once. */
export function describeScans(summary: PlanSummary): string {
  const counts = new Map<string, number>();
  for (const scan of summary.scans) counts.set(scan, (counts.get(scan) ?? 0) + 1);
  return [...counts].map(([scan, n]) => (n > 1 ? `${scan} ×${n}` : scan)).join('; ');
}
