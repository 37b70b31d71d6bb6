import { createReadStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from 'commander';
import { SingleBar } from 'cli-progress';
import { Slug } from '@leadmaster/contracts';
import { checked, CliError, type CliContext } from './cli-common';

/** `leadmaster import contacts FILE --tenant SLUG`: the web import, in the foreground, with a progress bar. */
export function importCommands(ctx: CliContext): Command {
  const cmd = new Command('import').description('Import data from files');
  cmd
    .command('contacts')
    .description('Import contacts from a CSV file (the column mapping is guessed from the header)')
    .argument('<file>', 'CSV file (UTF-8 or Latin-1, separated by , or ;)')
    .requiredOption('--tenant <slug>', 'the tenant')
    .addOption(new Option('--mode <mode>', 'duplicates: file-only, skip-existing or update-existing').choices(['file-only', 'skip-existing', 'update-existing']).default('file-only'))
    .option('--no-progress', 'print no progress bar')
    .action(async (file: string, opts: { tenant: string; mode: 'file-only' | 'skip-existing' | 'update-existing'; progress: boolean }) => {
      const slug = checked(Slug, 'tenant', opts.tenant);
      const info = await stat(file).catch(() => null);
      if (!info?.isFile()) throw new CliError(`${file}: no such file`);
      const { config, logger } = ctx.setup('warn');
      const [{ startRuntime }, { findTenantIdBySlug }, { AppError }] = await Promise.all([
        import('../runtime'),
        import('../modules/tenants'),
        import('../platform/errors'),
      ]);
      const runtime = await startRuntime({ config, logger, owner: 'cli', http: false, work: false });
      const bar = opts.progress ? new SingleBar({ format: 'Importing [{bar}] {percentage}% | {rows} rows | {eta_formatted} left', stream: ctx.io.stderr as never }) : null;
      try {
        const { database } = runtime.deps;
        const { imports } = runtime.modules.contacts;
        const tenantId = await database.withoutTenant((tx) => findTenantIdBySlug(tx, slug));
        if (!tenantId) throw new CliError(`--tenant: no tenant with slug "${slug}"`);
        const preview = await imports.create({ principal: { tenantId, userId: null }, fileName: path.basename(file), source: createReadStream(file) });
        const mapping = preview.guessedMapping;
        const mapped = Object.entries(mapping).filter(([, f]) => f !== 'ignore').map(([c, f]) => `${c} → ${f}`);
        ctx.io.stderr.write(`Columns: ${mapped.join(', ') || '(none recognised)'}\n`);
        await imports.prepareForeground({ tenantId, importId: preview.import.id, body: { mapping, mode: opts.mode, tags: [] } });
        bar?.start(preview.import.fileSize, 0, { rows: 0 });
        const done = await imports.run({
          tenantId,
          importId: preview.import.id,
          onProgress: async (r) => void bar?.update(r.processedBytes, { rows: r.processedRows }),
        });
        bar?.update(done.fileSize, { rows: done.processedRows });
        bar?.stop();
        ctx.io.stdout.write(`Imported ${done.processedRows} rows: ${done.inserted} inserted, ${done.updated} updated, ${done.skipped} skipped, ${done.rejected} rejected\n`);
        if (done.skipped + done.rejected > 0) {
          const report = `${file}.issues.csv`;
          let text = '';
          for await (const part of imports.issuesCsv({ principal: { tenantId }, importId: done.id })) text += part;
          await writeFile(report, text);
          ctx.io.stdout.write(`Skipped and rejected rows, with their row number and reason: ${report}\n`);
        }
      } catch (err) {
        bar?.stop();
        if (err instanceof AppError) throw new CliError(err.message);
        throw err;
      } finally {
        await runtime.close();
      }
    });
  return cmd;
}
