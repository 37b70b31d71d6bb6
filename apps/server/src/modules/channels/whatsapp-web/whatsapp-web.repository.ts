import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Database } from '../../../platform/db/database';
import type { Secrets } from '../../../platform/crypto/secrets';
import { channelAccounts } from '../channels.tables';
import { whatsappWebKeys, whatsappWebSessions } from './whatsapp-web.tables';
import type { WaAuthStore } from './socket';
import { equalsAny } from '../../../platform/db/equals-any';

export type SessionRow = typeof whatsappWebSessions.$inferSelect;
type Key = { tenantId: string; channelId: string };
const where = (k: Key) => and(eq(whatsappWebSessions.tenantId, k.tenantId), eq(whatsappWebSessions.channelId, k.channelId));

/** Queries only: every function takes the tenant. */
export function createSessionRepository(deps: { database: Database; secrets: Secrets }) {
  const { database, secrets } = deps;

  const find = async (k: Key): Promise<SessionRow | null> =>
    (await database.withTenant(k.tenantId, (tx) => tx.select().from(whatsappWebSessions).where(where(k))))[0] ?? null;

  async function update(k: Key, changes: Partial<Omit<SessionRow, 'tenantId' | 'channelId'>>) {
    await database.withTenant(k.tenantId, (tx) => tx.update(whatsappWebSessions).set(changes).where(where(k)));
  }

  /** Writes what the status contract shows; the QR is encrypted like the credentials. */
  async function saveState(k: Key, state: Pick<SessionRow, 'state' | 'since' | 'qr' | 'lastError' | 'reconnectAttempts'> & { account?: SessionRow['account'] }) {
    await update(k, { ...state, qr: state.qr ? secrets.encrypt(state.qr) : null });
  }

  const qrOf = (row: Pick<SessionRow, 'qr'>) => (row.qr ? secrets.decrypt(row.qr) : null);

  /** The whatsapp_web channels of a tenant with their session row (absent for a new channel). */
  async function channelsOf(tenantId: string) {
    return database.withTenant(tenantId, (tx) =>
      tx
        .select({ channelId: channelAccounts.id, status: channelAccounts.status, session: whatsappWebSessions })
        .from(channelAccounts)
        .leftJoin(whatsappWebSessions, and(eq(whatsappWebSessions.tenantId, channelAccounts.tenantId), eq(whatsappWebSessions.channelId, channelAccounts.id)))
        .where(and(eq(channelAccounts.tenantId, tenantId), eq(channelAccounts.kind, 'whatsapp_web'))),
    );
  }

  async function tenantIds(): Promise<string[]> {
    const rows = await database.withoutTenant((tx) => tx.execute<{ id: string }>(sql`select id from app_tenant_ids()`));
    return rows.map((r) => r.id);
  }

  /**
   * Takes the session for this process when nobody holds it (or the holder stopped renewing).
   * Creates the row for a new channel. Answers the row when the lease is ours.
   */
  async function claim(k: Key & { owner: string; now: Date; leaseMs: number }): Promise<SessionRow | null> {
    const leaseUntil = new Date(k.now.getTime() + k.leaseMs);
    return database.withTenant(k.tenantId, async (tx) => {
      await tx
        .insert(whatsappWebSessions)
        .values({ tenantId: k.tenantId, channelId: k.channelId, since: k.now })
        .onConflictDoNothing();
      const [row] = await tx
        .update(whatsappWebSessions)
        .set({ leaseOwner: k.owner, leaseUntil })
        .where(and(where(k), or(isNull(whatsappWebSessions.leaseUntil), lt(whatsappWebSessions.leaseUntil, k.now), eq(whatsappWebSessions.leaseOwner, k.owner))))
        .returning();
      return row ?? null;
    });
  }

  /** Extends our lease; false when another process took it meanwhile. */
  async function renew(k: Key & { owner: string; now: Date; leaseMs: number }): Promise<boolean> {
    const rows = await database.withTenant(k.tenantId, (tx) =>
      tx
        .update(whatsappWebSessions)
        .set({ leaseUntil: new Date(k.now.getTime() + k.leaseMs) })
        .where(and(where(k), eq(whatsappWebSessions.leaseOwner, k.owner)))
        .returning({ channelId: whatsappWebSessions.channelId }),
    );
    return rows.length > 0;
  }

  const release = (k: Key & { owner: string }) =>
    database.withTenant(k.tenantId, (tx) =>
      tx.update(whatsappWebSessions).set({ leaseOwner: null, leaseUntil: null }).where(and(where(k), eq(whatsappWebSessions.leaseOwner, k.owner))),
    );

  /** Asks the process holding the session to restart or log out (it looks at every tick). */
  async function requestCommand(k: Key & { command: 'restart' | 'logout'; now: Date }) {
    await database.withTenant(k.tenantId, async (tx) => {
      await tx.insert(whatsappWebSessions).values({ tenantId: k.tenantId, channelId: k.channelId, since: k.now }).onConflictDoNothing();
      await tx.update(whatsappWebSessions).set({ command: k.command, commandAt: k.now }).where(where(k));
    });
  }

  /** Forgets the linked device: creds and every Signal key. */
  async function forgetCredentials(k: Key) {
    await database.withTenant(k.tenantId, async (tx) => {
      await tx.delete(whatsappWebKeys).where(and(eq(whatsappWebKeys.tenantId, k.tenantId), eq(whatsappWebKeys.channelId, k.channelId)));
      await tx.update(whatsappWebSessions).set({ creds: null, account: null }).where(where(k));
    });
  }

  /** Baileys' auth state, encrypted at rest, for one session. */
  function authStore(k: Key): WaAuthStore {
    const keyWhere = (type: string) => and(eq(whatsappWebKeys.tenantId, k.tenantId), eq(whatsappWebKeys.channelId, k.channelId), eq(whatsappWebKeys.type, type));
    return {
      async readCreds() {
        const row = await find(k);
        return row?.creds ? secrets.decrypt(row.creds) : null;
      },
      async writeCreds(serialised) {
        await update(k, { creds: secrets.encrypt(serialised) });
      },
      async readKeys(type, ids) {
        if (ids.length === 0) return {};
        const rows = await database.withTenant(k.tenantId, (tx) =>
          tx.select({ keyId: whatsappWebKeys.keyId, value: whatsappWebKeys.value }).from(whatsappWebKeys).where(and(keyWhere(type), equalsAny(whatsappWebKeys.keyId, ids))),
        );
        return Object.fromEntries(rows.map((r) => [r.keyId, secrets.decrypt(r.value)]));
      },
      async writeKeys(entries) {
        if (entries.length === 0) return;
        await database.withTenant(k.tenantId, async (tx) => {
          for (const e of entries) {
            if (e.value === null) {
              await tx.delete(whatsappWebKeys).where(and(keyWhere(e.type), eq(whatsappWebKeys.keyId, e.id)));
              continue;
            }
            const value = secrets.encrypt(e.value);
            await tx
              .insert(whatsappWebKeys)
              .values({ tenantId: k.tenantId, channelId: k.channelId, type: e.type, keyId: e.id, value })
              .onConflictDoUpdate({ target: [whatsappWebKeys.tenantId, whatsappWebKeys.channelId, whatsappWebKeys.type, whatsappWebKeys.keyId], set: { value } });
          }
        });
      },
    };
  }

  return { find, update, saveState, qrOf, channelsOf, tenantIds, claim, renew, release, requestCommand, forgetCredentials, authStore };
}

export type SessionRepository = ReturnType<typeof createSessionRepository>;
