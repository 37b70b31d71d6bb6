import type { Cleanup } from './cleanup';

export type DatabaseKind = 'embedded' | 'postgres';

/** A fresh, empty database for one scenario run, removed when the run ends. */
export type BenchDatabase = {
  kind: DatabaseKind;
  /** What the report's "Database" column says, e.g. `PGlite (embedded)` or `PostgreSQL 15.20`. */
  label: string;
  /** The product's environment for it (DATA_DIR, SECRET_KEY, DATABASE_URL): for `loadConfig` or a child process. */
  env: Record<string, string>;
};

/** A bound a figure should respect: `{ op: '<', value: 50 }` reads "< 50". */
export type Target = { op: '<' | '<=' | '>' | '>='; value: number };

/** One measured number, as a scenario reports it. */
export type Figure = {
  name: string;
  value: number;
  unit: string;
  target?: Target;
  /** Set by measurements that do not use the database under test (controls); defaults to its label. */
  database?: string;
  /** Digits after the point in the report; chosen from the magnitude when absent. */
  decimals?: number;
  /** A short text beside the value in the report (the indexes a query plan used, the expected count). */
  detail?: string;
};

/** A figure as stored and rendered: the database named and the target judged. */
export type Row = Omit<Figure, 'database'> & { database: string; pass: boolean | null };

export type ScenarioContext = {
  /** Short smoke run (CI): the harness works end to end; the figures are rough. */
  quick: boolean;
  log(message: string): void;
  /** Undo steps of this run, executed last-in first-out when it ends, even on failure or Ctrl-C. */
  cleanup: Cleanup;
  /** A sentence for the section's notes (settings, caveats); repeated sentences are kept once. */
  note(text: string): void;
  /** Longer text kept with the results and shown folded under the section's table (query plans, profiles). */
  attach(title: string, text: string): void;
};

/**
 * A benchmark. Add one by writing `bench/scenarios/<name>.ts` and listing it in
 * `bench/scenarios/index.ts`; the runner gives it fresh databases, cleans up and writes the report.
 */
export type Scenario = {
  /** Kebab-case; picks it on the command line and names `docs/performance/<name>.json`. */
  name: string;
  title: string;
  /** Markdown: what it measures and why, rendered under the section's heading. */
  description: string;
  /** Measurements against one database; called once per database under test (PGlite, then PostgreSQL). */
  forDatabase?(ctx: ScenarioContext, database: BenchDatabase): Promise<Figure[]>;
  /** Measurements that need no product database (controls, baselines); called once. */
  once?(ctx: ScenarioContext): Promise<Figure[]>;
};

export function meets(value: number, target: Target): boolean {
  switch (target.op) {
    case '<':
      return value < target.value;
    case '<=':
      return value <= target.value;
    case '>':
      return value > target.value;
    case '>=':
      return value >= target.value;
  }
}
