import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type postgres from 'postgres';
import type { Figure } from './types';

/**
 * Where the time and memory of a long operation go: the bench process's memory over the operation's
 * progress, the CPU of its main thread against its other threads (PGlite's worker runs there), and for
 * PostgreSQL what the server's backends were doing (pg_stat_activity sampled) and the CPU they used.
 */

const MB = 1024 * 1024;
/** "Memory flat": RSS must not grow with the work; a leak of ~90 bytes per row over 750,000 rows would show. */
export const MAX_GROWTH_MB = 64;

export type MemoryReport = {
  /** Resident set size when sampling started, in MB. */
  rssStartMb: number;
  peakRssMb: number;
  /** The main thread's V8 heap at its largest, in MB (the PGlite worker has its own heap, in the RSS). */
  peakHeapUsedMb: number;
  /**
   * Largest RSS while the last quarter of the work was done minus the largest while the first quarter
   * was: memory that grows with the rows processed shows here; a flat profile reads about 0.
   */
  growthFirstToLastQuarterMb: number | null;
  samples: number;
};

type MemorySample = { rss: number; heapUsed: number; progress: number };

/** Samples the process's memory every `intervalMs`, tagging each sample with the work's progress (0…1). */
export function sampleMemory(options: { intervalMs: number; progress: () => number }) {
  const samples: MemorySample[] = [];
  const take = () => {
    const m = process.memoryUsage();
    samples.push({ rss: m.rss, heapUsed: m.heapUsed, progress: options.progress() });
  };
  take();
  const timer = setInterval(take, options.intervalMs);
  return {
    stop(): MemoryReport {
      clearInterval(timer);
      take();
      const max = (list: MemorySample[], pick: (s: MemorySample) => number) => (list.length ? Math.max(...list.map(pick)) : null);
      const first = max(samples.filter((s) => s.progress > 0 && s.progress <= 0.25), (s) => s.rss);
      const last = max(samples.filter((s) => s.progress >= 0.75), (s) => s.rss);
      return {
        rssStartMb: samples[0]!.rss / MB,
        peakRssMb: max(samples, (s) => s.rss)! / MB,
        peakHeapUsedMb: max(samples, (s) => s.heapUsed)! / MB,
        growthFirstToLastQuarterMb: first !== null && last !== null ? (last - first) / MB : null,
        samples: samples.length,
      };
    },
  };
}

/** Cumulative on-CPU time of the calling thread in ns (Linux), else null. */
function threadRunNs(): number | null {
  try {
    const run = Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
    return Number.isFinite(run) ? run : null;
  } catch {
    return null;
  }
}

export type CpuReport = {
  wallSeconds: number;
  /** CPU time of the main thread: the product's JavaScript (CSV parsing, phones, scores, query building). */
  mainThreadSeconds: number | null;
  /** CPU time of every other thread of the bench process: PGlite's worker, GC helpers, libuv's pool. */
  otherThreadsSeconds: number | null;
};

/** Starts counting CPU time; `stop()` gives it split by thread. */
export function measureCpu() {
  const started = { at: performance.now(), process: process.cpuUsage(), main: threadRunNs() };
  return {
    /** CPU seconds of the whole process so far (every thread), to split a run into phases. */
    processSecondsSoFar(): number {
      const used = process.cpuUsage(started.process);
      return (used.user + used.system) / 1e6;
    },
    stop(): CpuReport {
      const wallSeconds = (performance.now() - started.at) / 1000;
      const used = process.cpuUsage(started.process);
      const processSeconds = (used.user + used.system) / 1e6;
      const main = threadRunNs();
      const mainThreadSeconds = main !== null && started.main !== null ? (main - started.main) / 1e9 : null;
      return {
        wallSeconds,
        mainThreadSeconds,
        otherThreadsSeconds: mainThreadSeconds === null ? null : Math.max(0, processSeconds - mainThreadSeconds),
      };
    },
  };
}

/** What a sampled statement was, from its text; null to count it as "other". */
export type StatementClassifier = (query: string) => string | null;

export type ActivityReport = {
  samples: number;
  /** Share of samples (0…1) in which at least one backend of the database ran a statement of that kind. */
  shares: { label: string; share: number }[];
  /** Share of samples in which a transaction was open but no statement ran: the database waited for the app. */
  idleInTransaction: number;
  /** Share of samples in which no backend of the database did anything. */
  idle: number;
  /** CPU time of the database's client backends (local server only), null when /proc cannot see them. */
  backendCpuSeconds: number | null;
};

const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime of a local process, in seconds; null when it is not visible. */
function processCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * Samples pg_stat_activity of the current database every `intervalMs` from its own connection (a
 * superuser's, which sees every statement) until stopped: a profile of where the server's time goes,
 * by kind of statement. When the server runs on this machine, the CPU of the backends is read from /proc.
 */
export function samplePostgresActivity(options: { sql: postgres.Sql; intervalMs: number; classify: StatementClassifier; localServer: boolean }) {
  let running = true;
  let samples = 0;
  let idle = 0;
  let idleInTransaction = 0;
  const counts = new Map<string, number>();
  const cpu = new Map<number, { first: number; last: number }>();
  let cpuVisible = options.localServer;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      let rows: { pid: number; state: string | null; query: string }[];
      try {
        rows = await options.sql<{ pid: number; state: string | null; query: string }[]>`
          select pid, state, query from pg_stat_activity
           where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'`;
      } catch {
        // The connection went away (the run is being interrupted): keep what was sampled.
        break;
      }
      samples++;
      const labels = new Set<string>();
      let waiting = false;
      for (const row of rows) {
        if (row.state === 'active') labels.add(options.classify(row.query) ?? 'other statements');
        else if (row.state?.startsWith('idle in transaction')) waiting = true;
        if (cpuVisible) {
          const seconds = processCpuSeconds(row.pid);
          if (seconds === null) cpuVisible = false;
          else {
            const seen = cpu.get(row.pid);
            if (seen) seen.last = seconds;
            else cpu.set(row.pid, { first: seconds, last: seconds });
          }
        }
      }
      for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
      if (labels.size === 0 && waiting) idleInTransaction++;
      if (labels.size === 0 && !waiting) idle++;
      const pause = options.intervalMs - (performance.now() - started);
      if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
    }
  })();
  const backendCpuSeconds = () => (cpuVisible && cpu.size > 0 ? [...cpu.values()].reduce((sum, c) => sum + (c.last - c.first), 0) : null);
  return {
    /** The backends' CPU so far (as of the last sample), to split a run into phases; null when not visible. */
    backendCpuSecondsSoFar: backendCpuSeconds,
    async stop(): Promise<ActivityReport> {
      running = false;
      await loop;
      const n = Math.max(1, samples);
      return {
        samples,
        shares: [...counts].map(([label, count]) => ({ label, share: count / n })).sort((a, b) => b.share - a.share),
        idleInTransaction: idleInTransaction / n,
        idle: idle / n,
        backendCpuSeconds: backendCpuSeconds(),
      };
    },
  };
}

/** Whether a PostgreSQL URL points at this machine (so /proc shows its processes). */
export function isLocalPostgres(url: string | undefined): boolean {
  if (!url) return false;
  try {
    const host = new URL(url).hostname;
    return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host === '[::1]';
  } catch {
    return false;
  }
}

/** The statements of the contacts module, by what they are for. */
export const classifyContactsStatement: StatementClassifier = (query) => {
  const q = query.trimStart();
  // Writes of contacts store their score explanations first, in the same statement (a CTE).
  if (/^insert into "contacts"/i.test(q) || /^with stored_explanations as[\s\S]*\binsert into "contacts"/i.test(q)) return 'insert contacts';
  if (/^with stored_explanations as[\s\S]*\bupdate "contacts" as c set\s+score_/i.test(q)) return 'write scores (update contacts)';
  if (/^update "contacts" as c set\s+score_/i.test(q)) return 'write scores (update contacts)';
  if (/^update "contacts" as c set blacklisted/i.test(q)) return 'mark blacklisted (update contacts)';
  if (/^update "contacts" as c set first_name/i.test(q)) return 'update existing contacts';
  if (/^select "id", "phone_valid"/i.test(q)) return 'load rows to score (select contacts)';
  if (/^select "tenant_id", "id", "first_name"/i.test(q) || /^select "id", "phone_key", "email", "import_id"/i.test(q)) return 'find existing contacts (select contacts by phone or email)';
  if (/"consent_states"|"consent_events"/.test(q)) return 'consent (select/insert)';
  if (/"contact_signals"/.test(q)) return 'load message signals';
  if (/"scoring_settings"/.test(q)) return 'load scoring settings';
  if (/"import_issues"/.test(q)) return 'insert import issues';
  if (/"contact_imports"/.test(q)) return 'import checkpoint (update contact_imports)';
  if (/"blob_chunks"|"blobs"/.test(q)) return 'file chunks (blob_chunks)';
  if (/^commit/i.test(q)) return 'commit';
  if (/^(vacuum|analyze)\b/i.test(q)) return 'VACUUM/ANALYZE (autovacuum stand-in)';
  if (/set_config\('app\.tenant_id'/.test(q) || /^begin/i.test(q)) return 'begin, set tenant';
  return null;
};

const share = (value: number) => Math.round(value * 1000) / 10;

/** The server-side profile: which statements the database was running, sampled. */
export function activityFigures(activity: ActivityReport, prefix: string): Figure[] {
  const figures: Figure[] = activity.shares.slice(0, 8).map((s) => ({ name: `${prefix}: ${s.label}`, value: share(s.share), unit: '% of samples', decimals: 1 }));
  figures.push(
    { name: `${prefix}: transaction open, database waiting for the app`, value: share(activity.idleInTransaction), unit: '% of samples', decimals: 1 },
    { name: `${prefix}: no statement running`, value: share(activity.idle), unit: '% of samples', decimals: 1 },
  );
  return figures;
}

/**
 * CPU time by thread (and PostgreSQL's backends) against the wall time; with `per`, also the CPU
 * one unit of work cost in all and the rate that price allows with every core of the machine on it
 * (the ceiling of the design here, whatever the scheduling), when the backends' CPU is known.
 */
export function cpuFigures(cpu: CpuReport, backendCpuSeconds: number | null, prefix: string, per?: { count: number; unit: string }): Figure[] {
  const pct = (seconds: number) => `${Math.round((100 * seconds) / cpu.wallSeconds)}% of the wall time`;
  const figures: Figure[] = [];
  if (cpu.mainThreadSeconds !== null) {
    figures.push({ name: `${prefix}: CPU of the main thread (the product's JavaScript)`, value: cpu.mainThreadSeconds, unit: 's', decimals: 1, detail: pct(cpu.mainThreadSeconds) });
  }
  if (cpu.otherThreadsSeconds !== null) {
    figures.push({
      name: `${prefix}: CPU of the process's other threads (PGlite worker, GC, libuv)`,
      value: cpu.otherThreadsSeconds,
      unit: 's',
      decimals: 1,
      detail: pct(cpu.otherThreadsSeconds),
    });
  }
  if (backendCpuSeconds !== null) {
    figures.push({ name: `${prefix}: CPU of the PostgreSQL backends`, value: backendCpuSeconds, unit: 's', decimals: 1, detail: pct(backendCpuSeconds) });
    if (per && per.count > 0 && cpu.mainThreadSeconds !== null && cpu.otherThreadsSeconds !== null) {
      const us = ((cpu.mainThreadSeconds + cpu.otherThreadsSeconds + backendCpuSeconds) / per.count) * 1e6;
      const cores = availableParallelism();
      figures.push(
        { name: `${prefix}: CPU per ${per.unit}, process and backends`, value: us, unit: 'µs', decimals: 0 },
        { name: `${prefix}: rate that CPU allows with every core on it`, value: (cores * 1e6) / us, unit: `${per.unit}s/s`, decimals: 0, detail: `${cores} cores ÷ ${Math.round(us)} µs per ${per.unit}` },
      );
    }
  }
  return figures;
}

export function memoryFigures(memory: MemoryReport, prefix: string, options: { embedded: boolean; growthTarget: boolean }): Figure[] {
  const figures: Figure[] = [
    { name: `${prefix}: RSS before`, value: memory.rssStartMb, unit: 'MB', decimals: 0 },
    { name: `${prefix}: peak RSS`, value: memory.peakRssMb, unit: 'MB', decimals: 0, detail: options.embedded ? 'includes the PGlite worker (WASM heap, its buffers)' : 'bench process only (PostgreSQL is a separate server)' },
    { name: `${prefix}: peak main-thread heap used`, value: memory.peakHeapUsedMb, unit: 'MB', decimals: 0 },
  ];
  if (memory.growthFirstToLastQuarterMb !== null) {
    figures.push({
      name: `${prefix}: RSS growth, first to last quarter of the rows`,
      value: memory.growthFirstToLastQuarterMb,
      unit: 'MB',
      decimals: 0,
      ...(options.growthTarget ? { target: { op: '<' as const, value: MAX_GROWTH_MB } } : {}),
    });
  }
  return figures;
}
