import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import postgres, { type Sql } from 'postgres';
import { startPgliteHost } from './embedded';

let host: Awaited<ReturnType<typeof startPgliteHost>>;
const socketPath = path.join(os.tmpdir(), `lm-mux-${process.pid}.sock`);
const client = (extra: Record<string, unknown> = {}): Sql =>
  postgres({ path: socketPath, max: 1, onnotice: () => undefined, ...extra } as never);

beforeAll(async () => {
  host = await startPgliteHost({ dataDir: null, socketPath });
  const admin = client();
  await admin.unsafe(`
    create table items (id int primary key, owner text);
    create role mux_reader nologin;
    grant select on items to mux_reader;
  `).simple();
  await admin.end();
});
afterAll(async () => {
  await host?.stop();
});

describe('embedded database shared by several clients', () => {
  it('never interleaves another client’s statements into an open transaction', async () => {
    const a = client();
    const b = client();
    let bDone = false;
    const inTx = a.begin(async (tx) => {
      await tx`insert into items values (1, 'a')`;
      // B asks while A's transaction is open: it must wait, and never see the uncommitted row.
      const bRead = b`select count(*)::int as n from items`.then((r) => {
        bDone = true;
        return r[0]!.n;
      });
      await new Promise((r) => setTimeout(r, 200));
      expect(bDone).toBe(false);
      await tx`insert into items values (2, 'a')`;
      return { bRead };
    });
    const seenByB = await (await inTx).bRead;
    expect(seenByB).toBe(2);
    await a.end();
    await b.end();
  });

  it('keeps each client’s role, whatever the other clients use', async () => {
    const owner = client();
    const reader = client({ connection: { role: 'mux_reader' } });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 ? owner : reader)`select current_user as u`.then((r) => [i % 2 ? 'postgres' : 'mux_reader', r[0]!.u]),
      ),
    );
    for (const [expected, actual] of results) expect(actual).toBe(expected);
    await expect(reader`insert into items values (99, 'x')`).rejects.toThrow(/permission denied/);
    await owner.end();
    await reader.end();
  });

  it('rolls back the transaction of a client that disappears, and serves the others', async () => {
    const doomed = client();
    const other = client();
    const started = doomed.begin(async (tx) => {
      await tx`insert into items values (10, 'doomed')`;
      await new Promise(() => undefined); // never commits
    });
    started.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    await doomed.end({ timeout: 0 });
    const [row] = await other`select count(*)::int as n from items where id = 10`;
    expect(row!.n).toBe(0);
    await other.end();
  });

  it('answers pipelined queries of concurrent clients correctly', async () => {
    const clients = [client({ max: 3 }), client({ max: 3 }), client({ max: 3 })];
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) => clients[i % 3]!`select ${i}::int as i, ${'x'.repeat(i % 50)}::text as pad`.then((r) => r[0]!.i)),
    );
    expect(answers).toEqual(Array.from({ length: 300 }, (_, i) => i));
    await Promise.all(clients.map((c) => c.end()));
  });
});

describe('COPY FROM STDIN through the socket', () => {
  it('is refused with a clear error instead of terminating the database, inside a transaction too', async () => {
    const copier = client();
    const stream = async (sql: Sql | postgres.TransactionSql) => {
      const writable = await sql`copy items (id, owner) from stdin`.writable();
      writable.end('500\tcopied\n');
      await new Promise((resolve, reject) => writable.on('finish', resolve).on('error', reject));
    };
    await expect(stream(copier)).rejects.toThrow(/COPY FROM STDIN is not supported by the embedded database/);
    await expect(copier.unsafe('copy items (id, owner) from stdin').simple()).rejects.toThrow(/not supported/);
    // In a transaction the error aborts it, as the backend's own errors do.
    await expect(
      copier.begin(async (tx) => {
        await tx`insert into items values (501, 'before')`;
        await stream(tx);
      }),
    ).rejects.toThrow(/not supported/);
    // The database is alive and the same connection carries on; COPY TO STDOUT still works.
    expect((await copier`select count(*)::int as n from items where id in (500, 501)`)[0]).toEqual({ n: 0 });
    const out: Buffer[] = [];
    for await (const chunk of await copier`copy (select 7 as seven) to stdout`.readable()) out.push(chunk as Buffer);
    expect(Buffer.concat(out).toString()).toBe('7\n');
    await copier.end();
  });
});

describe('a client whose role does not exist', () => {
  it('gets a clear error instead of hanging, and others carry on', async () => {
    const ghost = client({ connection: { role: 'no_such_role' } });
    await expect(ghost`select 1`).rejects.toThrow(/no_such_role/);
    await ghost.end({ timeout: 0 }).catch(() => undefined);
    const ok = client();
    expect((await ok`select 1 as one`)[0]).toEqual({ one: 1 });
    await ok.end();
  });
});
