import { existsSync, readFileSync } from 'node:fs';
import { cp, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';

/**
 * A PGlite data directory just after initdb, kept in the system's temp folder per PGlite version.
 * PGlite's initdb costs 5–10 s; copying its result gives every scenario the same empty database
 * a first start would create, in a fraction of that (it matters for `--quick` in CI).
 */
export async function pgliteTemplate(log: (message: string) => void): Promise<string> {
  const template = path.join(os.tmpdir(), `lm-bench-pglite-${pgliteVersion()}`);
  if (existsSync(path.join(template, 'PG_VERSION'))) return template;
  log(`creating the PGlite template ${template} (initdb, once per PGlite version)`);
  const building = `${template}.${process.pid}.tmp`;
  await rm(building, { recursive: true, force: true });
  const db = await PGlite.create(building);
  await db.close();
  try {
    await rename(building, template);
  } catch (err) {
    // Another run finished first: use theirs.
    await rm(building, { recursive: true, force: true });
    if (!existsSync(path.join(template, 'PG_VERSION'))) throw err;
  }
  return template;
}

/** Copies the template to `target` (which must not exist yet). */
export async function copyPgliteTemplate(options: { target: string; log: (message: string) => void }): Promise<void> {
  await cp(await pgliteTemplate(options.log), options.target, { recursive: true });
}

function pgliteVersion(): string {
  let dir = path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  for (; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const { name, version } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
    if (name === '@electric-sql/pglite' && version) return version;
  }
  return 'unknown';
}
