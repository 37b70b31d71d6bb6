import { Readable, Transform } from 'node:stream';
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import Papa from 'papaparse';
import { z } from 'zod';
import { IMPORT_FIELDS, type ContactImport, type StartImportBody } from '@leadmaster/contracts';
import type { ModuleDeps } from '../../../platform/deps';
import type { Principal } from '../../../platform/http/auth';
import { AppError } from '../../../platform/errors';
import { defineJob } from '../../../platform/jobs/queue';
import { putBlob, readBlob } from '../../../platform/storage/blobs';
import { actorOf, operatorActor, recordAudit } from '../../audit';
import { getTenant } from '../../tenants';
import { contactImports, fieldDefinitions, importIssues } from '../contacts.tables';
import { importNotFound } from '../contacts.errors';
import { guessMapping, malformed, sniffFormat, type CsvFormat } from './csv-format';
import { type Candidate, type RowResult } from './import-rows';
import { inlineRowMapping, POOL_MIN_BYTES, startRowMappingPool, type MapItem } from './row-mapper-pool';
import { writeBatch, type Issue } from './import-batch';

type ImportRow = typeof contactImports.$inferSelect;

export const MAX_IMPORT_BYTES = 200 * 1024 * 1024;
/**
 * Rows per write. Each batch's rows live across its awaits, so they are what a young-generation GC
 * copies: at 2,000 the import's longest main-thread runs (a scavenge plus building the batch's
 * parameters) reached 40–56 ms; at 1,000 they are 13–24 ms, at the same rows/s (bench, both databases).
 */
const BATCH_ROWS = 1000;
const YIELD_EVERY_MS = 5;
/** Records per chunk sent for mapping (~15 ms of work), and chunks mapped ahead of the batches. */
const CHUNK_ROWS = 250;
const CHUNKS_AHEAD = 8;
const ANALYZE_AFTER_ROWS = 1_000;
const SNIFF_BYTES = 64 * 1024;
/** Bytes handed to the CSV parser at a time (~450 rows, a few milliseconds of parsing). */
const PARSE_SLICE_BYTES = 32 * 1024;
const PREVIEW_ROWS = 10;

export function presentImport(row: ImportRow): ContactImport {
  const progress = row.status === 'completed' ? 1 : row.fileSize > 0 ? Math.min(0.999, row.processedBytes / row.fileSize) : 0;
  return {
    id: row.id,
    fileName: row.fileName,
    fileSize: row.fileSize,
    encoding: row.encoding,
    delimiter: row.delimiter,
    columns: row.columns,
    mapping: row.mapping,
    mode: row.mode,
    status: row.status,
    taskId: row.taskId,
    processedRows: row.processedRows,
    progress,
    counts: { inserted: row.inserted, updated: row.updated, skipped: row.skipped, rejected: row.rejected },
    error: row.error,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

/** Decodes bytes in the detected encoding and counts how many have gone through (the progress). */
function decoder(format: Pick<CsvFormat, 'encoding'>, onBytes: (n: number) => void) {
  const text = new TextDecoder(format.encoding);
  let first = true;
  return new Transform({
    readableObjectMode: false,
    transform(chunk: Buffer, _enc, done) {
      onBytes(chunk.length);
      let out = text.decode(chunk, { stream: true });
      if (first) out = out.replace(/^\uFEFF/, '');
      first = false;
      done(null, out);
    },
    flush(done) {
      done(null, text.decode());
    },
  });
}

/**
 * The stored file in slices of a few kilobytes, with a turn of the event loop between them. The
 * parser parses whatever it is given in one go: a stored chunk (512 KB, ~7,000 rows) held the
 * event loop for ~60 ms.
 */
async function* slices(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    for (let at = 0; at < chunk.length; at += PARSE_SLICE_BYTES) {
      if (at > 0) await new Promise((resolve) => setImmediate(resolve));
      yield chunk.subarray(at, at + PARSE_SLICE_BYTES);
    }
  }
}

/** Streams the records of a stored CSV, header included, one array of cells at a time. */
async function* records(source: Readable, format: Pick<CsvFormat, 'encoding' | 'delimiter'>, onBytes: (n: number) => void): AsyncGenerator<{ record: string[]; error?: string }> {
  const parser = Papa.parse(Papa.NODE_STREAM_INPUT, { delimiter: format.delimiter, skipEmptyLines: false }) as unknown as NodeJS.ReadWriteStream;
  const errors: string[] = [];
  parser.on('error', (err: Error) => errors.push(err.message));
  Readable.from(slices(source)).pipe(decoder(format, onBytes)).pipe(parser);
  for await (const record of parser as AsyncIterable<string[]>) yield { record };
  if (errors.length) yield { record: [], error: errors.join('; ') };
}

export function createImportService(deps: ModuleDeps) {
  const { database, bus, jobs, events, logger } = deps;

  async function load(tenantId: string, importId: string) {
    const [row] = await database.withTenant(tenantId, (tx) =>
      tx.select().from(contactImports).where(and(eq(contactImports.tenantId, tenantId), eq(contactImports.id, importId))),
    );
    if (!row) throw importNotFound();
    return row;
  }

  /** Stores the upload, sniffs its format and answers a preview with a guessed mapping. */
  async function create(options: { principal: Pick<Principal, 'tenantId'> & { userId: string | null }; fileName: string; source: AsyncIterable<Buffer> | Iterable<Buffer> }) {
    const { tenantId, userId } = options.principal;
    const blob = await putBlob(database, { tenantId, name: options.fileName, contentType: 'text/csv', source: options.source, createdBy: userId, maxBytes: MAX_IMPORT_BYTES });
    const sample: Buffer[] = [];
    let size = 0;
    for await (const chunk of readBlob(database, { tenantId, blobId: blob.id })) {
      sample.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= SNIFF_BYTES) break;
    }
    const format = sniffFormat(Buffer.concat(sample).subarray(0, SNIFF_BYTES));
    const parsed = Papa.parse<string[]>(format.text, { delimiter: format.delimiter, preview: PREVIEW_ROWS + 1, skipEmptyLines: 'greedy' });
    const [header, ...rows] = parsed.data;
    if (!header || header.every((h) => !h.trim())) throw malformed('there is no header row');
    const columns = header.map((h, i) => h.trim() || `Column ${i + 1}`);
    if (new Set(columns).size !== columns.length) throw malformed('two columns have the same name');
    const { row, fields } = await database.withTenant(tenantId, async (tx) => {
      const fields = await tx.select().from(fieldDefinitions).where(eq(fieldDefinitions.tenantId, tenantId));
      const [row] = await tx
        .insert(contactImports)
        .values({ tenantId, blobId: blob.id, fileName: options.fileName, fileSize: blob.size, encoding: format.encoding, delimiter: format.delimiter, columns, createdBy: userId })
        .returning();
      return { row: row!, fields };
    });
    return { import: presentImport(row), rows, guessedMapping: guessMapping(columns, fields.map((f) => f.key)) };
  }

  /** Checks a mapping against the file and the field catalogue. */
  async function checkMapping(options: { tenantId: string; row: ImportRow; mapping: Record<string, string> }) {
    const { tenantId, row, mapping } = options;
    if (row.status !== 'draft') throw new AppError('invalid_state', 'This import has already been started');
    const fields = await database.withTenant(tenantId, (tx) => tx.select({ key: fieldDefinitions.key }).from(fieldDefinitions).where(eq(fieldDefinitions.tenantId, tenantId)));
    const allowed = new Set<string>([...IMPORT_FIELDS, 'ignore', ...fields.map((f) => `attr:${f.key}`)]);
    for (const [column, target] of Object.entries(mapping)) {
      if (!row.columns.includes(column)) throw new AppError('validation_failed', `The file has no column "${column}"`, { field: `mapping.${column}` });
      if (!allowed.has(target)) throw new AppError('validation_failed', `"${target}" is not a field contacts can be imported into`, { field: `mapping.${column}` });
    }
    const targets = Object.values(mapping).filter((t) => t !== 'ignore');
    if (new Set(targets).size !== targets.length) throw new AppError('validation_failed', 'Two columns are mapped to the same field', { field: 'mapping' });
    if (!targets.some((t) => ['firstName', 'lastName', 'fullName', 'company', 'phone', 'email'].includes(t))) {
      throw new AppError('validation_failed', 'Map at least a name, company, phone or email column', { field: 'mapping' });
    }
  }

  const settings = (body: z.output<typeof StartImportBody>) => ({
    mapping: body.mapping,
    mode: body.mode,
    options: { consent: body.consent ?? null, tags: body.tags },
    status: 'queued' as const,
  });

  /** Queues the import for a worker. */
  async function start(options: { principal: Principal; importId: string; body: z.output<typeof StartImportBody> }) {
    const { principal, body } = options;
    const { tenantId } = principal;
    const row = await load(tenantId, options.importId);
    await checkMapping({ tenantId, row, mapping: body.mapping });
    return database.withTenant(tenantId, async (tx) => {
      const { taskId } = await jobs.enqueue(importJob, { importId: row.id }, { tenantId, tx, task: { kind: 'contacts.import-csv', createdBy: principal.userId } });
      const [updated] = await tx
        .update(contactImports)
        .set({ ...settings(body), taskId })
        .where(and(eq(contactImports.tenantId, tenantId), eq(contactImports.id, row.id)))
        .returning();
      await recordAudit(tx, { tenantId, actor: actorOf(principal), action: 'contacts.import_started', target: { type: 'import', id: row.id }, details: { fileName: row.fileName, mode: body.mode } });
      return presentImport(updated!);
    });
  }

  /** For the command line: the operator runs the import in the foreground instead of queueing it. */
  async function prepareForeground(options: { tenantId: string; importId: string; body: z.output<typeof StartImportBody> }) {
    const { tenantId, body } = options;
    const row = await load(tenantId, options.importId);
    await checkMapping({ tenantId, row, mapping: body.mapping });
    await database.withTenant(tenantId, async (tx) => {
      await tx.update(contactImports).set(settings(body)).where(and(eq(contactImports.tenantId, tenantId), eq(contactImports.id, row.id)));
      await recordAudit(tx, { tenantId, actor: operatorActor, action: 'contacts.import_started', target: { type: 'import', id: row.id }, details: { fileName: row.fileName, mode: body.mode } });
    });
  }

  /**
   * Runs an import to the end. Each batch commits with its checkpoint (rows done, counts), so an
   * import interrupted by a crash resumes after the last committed batch and never adds a row twice.
   */
  async function run(options: { tenantId: string; importId: string; onProgress?: (row: ImportRow) => Promise<void> }) {
    const { tenantId, importId } = options;
    let row = await load(tenantId, importId);
    if (row.status === 'completed') return row;
    if (!row.mapping) throw new AppError('invalid_state', 'The import has no mapping');
    const { country, fields } = await database.withTenant(tenantId, async (tx) => ({
      country: (await getTenant(tx, tenantId)).country,
      fields: await tx.select().from(fieldDefinitions).where(eq(fieldDefinitions.tenantId, tenantId)),
    }));
    const opts = row.options as { consent?: { channel: 'whatsapp' | 'imessage' | 'sms' | 'any'; source: string; text?: string } | null; tags?: string[] };
    const mapperOptions = {
      columns: row.columns,
      mapping: row.mapping,
      country,
      fields: fields.map((f) => ({ key: f.key, type: f.type, choices: f.choices })),
      tags: opts.tags ?? [],
    };
    const consentMapped = Object.values(row.mapping).includes('consent');
    const consent = opts.consent ? { ...opts.consent, allRows: !consentMapped } : null;
    const resumeAfter = row.processedRows;
    row = await setStatus(row, { status: 'running', error: null });

    let bytes = 0;
    let rowNumber = 0;
    // Records mapped and placed in a batch: the checkpoint (mapping runs ahead of it).
    let handled = 0;
    let pending: Candidate[] = [];
    let pendingIssues: Issue[] = [];
    let pendingRows = 0;
    // One batch is written while the next is parsed (the database and the parsing overlap); batches
    // still commit one after the other, in file order, each seeing the ones before it.
    const inFlight: { batch: Promise<void> | null } = { batch: null };
    const flush = async () => {
      if (pendingRows === 0) return;
      const candidates = pending;
      const issues = pendingIssues;
      const rowsDone = handled;
      const bytesDone = bytes;
      pending = [];
      pendingIssues = [];
      pendingRows = 0;
      if (inFlight.batch) await inFlight.batch;
      inFlight.batch = write({ candidates, issues, rowsDone, bytesDone });
      // Its failure is seen at the next await of it; until then it must not count as unhandled.
      inFlight.batch.catch(() => undefined);
    };
    const write = async (batch: { candidates: Candidate[]; issues: Issue[]; rowsDone: number; bytesDone: number }) => {
      const { candidates, issues, rowsDone, bytesDone } = batch;
      row = await database.withTenant(tenantId, async (tx) => {
        const { counts } = await writeBatch(tx, { tenantId, importId, mode: row.mode, candidates, issues, consent, userId: row.createdBy, events });
        const [updated] = await tx
          .update(contactImports)
          .set({
            processedRows: rowsDone,
            processedBytes: bytesDone,
            inserted: sql`${contactImports.inserted} + ${counts.inserted}`,
            updated: sql`${contactImports.updated} + ${counts.updated}`,
            skipped: sql`${contactImports.skipped} + ${counts.skipped}`,
            rejected: sql`${contactImports.rejected} + ${counts.rejected}`,
          })
          .where(and(eq(contactImports.tenantId, tenantId), eq(contactImports.id, importId)))
          .returning();
        return updated!;
      });
      await announce(row);
      await options.onProgress?.(row);
    };

    // Large files are mapped on worker threads (phone parsing is most of the CPU an import spends).
    const mapping =
      row.fileSize >= POOL_MIN_BYTES
        ? await startRowMappingPool(mapperOptions).catch((err: Error) => {
            logger.warn({ err }, 'contact import: row-mapping threads did not start; mapping on the main thread');
            return inlineRowMapping(mapperOptions);
          })
        : inlineRowMapping(mapperOptions);
    let chunk: MapItem[] = [];
    const mapped: { items: MapItem[]; results: Promise<RowResult[]> }[] = [];
    const send = () => {
      if (chunk.length === 0) return;
      const items = chunk;
      chunk = [];
      const results = mapping.map(items);
      results.catch(() => undefined);
      mapped.push({ items, results });
    };
    /** Takes mapped chunks, in file order, until at most `keep` are still being mapped. */
    const take = async (keep: number) => {
      while (mapped.length > keep) {
        const { items, results } = mapped.shift()!;
        const out = await results;
        for (let i = 0; i < items.length; i++) {
          const { record, rowNumber: number } = items[i]!;
          const result = out[i]!;
          handled = number - 1;
          pendingRows++;
          if (result.ok === true) pending.push(result.candidate);
          else if (result.ok === false) pendingIssues.push({ rowNumber: number, kind: 'rejected', reason: result.reason, data: record });
          if (pendingRows >= BATCH_ROWS) await flush();
        }
      }
    };

    try {
      const source = readBlob(database, { tenantId, blobId: row.blobId });
      let header = true;
      // Parsing is synchronous (libphonenumber takes ~50 µs a number): give the event loop a turn
      // every few milliseconds, or a batch would hold it for a few hundred.
      let turnAt = performance.now();
      for await (const { record, error } of records(source, { encoding: row.encoding as CsvFormat['encoding'], delimiter: row.delimiter as CsvFormat['delimiter'] }, (n) => (bytes += n))) {
        if (error) throw malformed(error);
        if (header) {
          if (record.every((v) => v.trim() === '')) continue;
          header = false;
          continue;
        }
        rowNumber++;
        // Rows are numbered as a spreadsheet shows them: the header is row 1.
        if (rowNumber <= resumeAfter) continue;
        chunk.push({ record, rowNumber: rowNumber + 1 });
        if (chunk.length >= CHUNK_ROWS) {
          send();
          await take(mapping.threads === 0 ? 0 : CHUNKS_AHEAD);
        }
        if ((rowNumber & 63) === 0 && performance.now() - turnAt > YIELD_EVERY_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          turnAt = performance.now();
        }
      }
      send();
      await take(0);
      bytes = row.fileSize;
      await flush();
      if (inFlight.batch) await inFlight.batch;
      // The planner needs statistics for the new rows now: PGlite has no autovacuum, and
      // PostgreSQL's would come minutes later. Lists and searches use the trigram and score indexes
      // only when it knows how many rows there are.
      if (row.inserted >= ANALYZE_AFTER_ROWS) await database.withTenant(tenantId, (tx) => tx.execute(sql`select app_analyze_contacts()`));
      row = await setStatus(row, { status: 'completed', processedBytes: row.fileSize, finishedAt: new Date() });
      logger.info({ importId, counts: presentImport(row).counts }, 'contact import completed');
      return row;
    } catch (err) {
      // A batch still in flight commits or fails before the import's status is written.
      if (inFlight.batch) await inFlight.batch.catch(() => undefined);
      const message = err instanceof AppError ? err.message : `The import stopped: ${(err as Error).message}`;
      const final = err instanceof AppError;
      row = await setStatus(row, final ? { status: 'failed', error: message, finishedAt: new Date() } : { status: 'queued', error: message });
      throw err;
    } finally {
      await mapping.close();
    }
  }

  async function setStatus(row: ImportRow, changes: Partial<typeof contactImports.$inferInsert>) {
    const [updated] = await database.withTenant(row.tenantId, (tx) =>
      tx.update(contactImports).set(changes).where(and(eq(contactImports.tenantId, row.tenantId), eq(contactImports.id, row.id))).returning(),
    );
    await announce(updated!);
    return updated!;
  }

  const announce = (row: ImportRow) => bus.publish({ type: 'contacts.import.updated', tenantId: row.tenantId, data: presentImport(row) });

  const importJob = defineJob({
    name: 'contacts.import-csv',
    payload: z.object({ importId: z.uuid() }),
    retryLimit: 5,
    expireInSeconds: 4 * 3600,
    async run(payload, ctx) {
      const row = await run({
        tenantId: ctx.tenantId!,
        importId: payload.importId,
        onProgress: (r) => ctx.progress(r.processedBytes, r.fileSize, `${r.processedRows} rows`),
      });
      return presentImport(row).counts;
    },
  });

  async function list(principal: Principal) {
    const rows = await database.withTenant(principal.tenantId, (tx) =>
      tx.select().from(contactImports).where(eq(contactImports.tenantId, principal.tenantId)).orderBy(desc(contactImports.createdAt)).limit(50),
    );
    return rows.map(presentImport);
  }

  const get = async (options: { principal: Principal; importId: string }) => presentImport(await load(options.principal.tenantId, options.importId));

  /** The rows an import skipped or rejected, as a CSV with the row number and the reason first. */
  async function* issuesCsv(options: { principal: Pick<Principal, 'tenantId'>; importId: string }): AsyncGenerator<string> {
    const { tenantId } = options.principal;
    const row = await load(tenantId, options.importId);
    yield `${Papa.unparse([['row', 'result', 'reason', ...row.columns]], { delimiter: row.delimiter })}\r\n`;
    let after = 0;
    for (;;) {
      const page = await database.withTenant(tenantId, (tx) =>
        tx
          .select()
          .from(importIssues)
          .where(and(eq(importIssues.tenantId, tenantId), eq(importIssues.importId, row.id), sql`${importIssues.rowNumber} > ${after}`))
          .orderBy(asc(importIssues.rowNumber))
          .limit(1000),
      );
      if (page.length === 0) return;
      yield `${Papa.unparse(page.map((i) => [String(i.rowNumber), i.kind, i.reason, ...i.data].map(neutraliseFormula)), { delimiter: row.delimiter })}\r\n`;
      after = page.at(-1)!.rowNumber;
    }
  }

  return { create, start, prepareForeground, run, list, get, issuesCsv, importJob };
}

/** A cell a spreadsheet would run as a formula is prefixed with a quote (CSV injection). */
export function neutraliseFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export type ImportService = ReturnType<typeof createImportService>;
