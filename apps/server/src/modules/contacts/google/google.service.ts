import { randomBytes } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { ModuleDeps } from '../../../platform/deps';
import type { Principal } from '../../../platform/http/auth';
import { AppError, notFound } from '../../../platform/errors';
import { defineJob } from '../../../platform/jobs/queue';
import { actorOf, recordAudit } from '../../audit';
import { getTenant } from '../../tenants';
import { rowMapper } from '../import/import-rows';
import { writeBatch } from '../import/import-batch';
import { googleConnections } from './google.tables';
import { ExpiredSyncToken, googleClient, type GooglePerson } from './google-client';

type ConnectionRow = typeof googleConnections.$inferSelect;

const STATE_TTL_MS = 10 * 60_000;
const COLUMNS = ['firstName', 'lastName', 'fullName', 'company', 'phone', 'email', 'website', 'address'];
const IDENTITY_MAPPING = Object.fromEntries(COLUMNS.map((c) => [c, c]));

export const presentConnection = (c: ConnectionRow) => ({
  id: c.id,
  email: c.email,
  status: c.status,
  lastSyncedAt: c.lastSyncedAt?.toISOString() ?? null,
  lastError: c.lastError,
  imported: c.imported,
  createdAt: c.createdAt.toISOString(),
});

/** A Google person as a CSV-like row for the import's row mapper (first value of each field). */
function personRow(p: GooglePerson): string[] {
  const name = p.names?.[0];
  const phone = p.phoneNumbers?.[0];
  return [
    name?.givenName ?? '',
    name?.familyName ?? '',
    name?.givenName || name?.familyName ? '' : (name?.displayName ?? ''),
    p.organizations?.[0]?.name ?? '',
    phone?.canonicalForm ?? phone?.value ?? '',
    p.emailAddresses?.[0]?.value ?? '',
    p.urls?.[0]?.value ?? '',
    p.addresses?.[0]?.formattedValue ?? '',
  ];
}

/**
 * Google Contacts: connect an account with OAuth (offline access), then import and refresh its
 * contacts incrementally with the People API's sync token. Existing contacts (same phone or email)
 * are updated; people deleted in Google are left alone here (the CRM keeps its history).
 */
export function createGoogleService(deps: ModuleDeps) {
  const { database, secrets, jobs, clock, config } = deps;
  const endpoints = () => {
    const { clientId, clientSecret, authUrl, tokenUrl, peopleApiUrl } = config.google;
    if (!clientId || !clientSecret) {
      throw new AppError('invalid_state', 'Google sync is not configured: set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET', { reason: 'google_not_configured' });
    }
    return { clientId, clientSecret, authUrl, tokenUrl, peopleApiUrl };
  };
  const redirectUri = (origin: string) => `${config.publicUrl ?? origin}/api/v1/google/callback`;

  function signState(principal: Principal) {
    const payload = Buffer.from(JSON.stringify({ t: principal.tenantId, u: principal.userId, n: randomBytes(8).toString('hex'), e: clock.now().getTime() + STATE_TTL_MS })).toString('base64url');
    return `${payload}.${secrets.hashToken(`google-state:${payload}`)}`;
  }

  function checkState(principal: Principal, state: string) {
    const [payload, signature] = state.split('.');
    if (!payload || !signature || !secrets.verifyToken(`google-state:${payload}`, signature)) throw new AppError('forbidden', 'The Google sign-in did not start here');
    const data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { t: string; u: string; e: number };
    if (data.t !== principal.tenantId || data.u !== principal.userId) throw new AppError('forbidden', 'The Google sign-in belongs to another user');
    if (data.e < clock.now().getTime()) throw new AppError('invalid_state', 'The Google sign-in took too long; try again');
  }

  const connectUrl = (options: { principal: Principal; origin: string }) =>
    googleClient(endpoints()).authorizeUrl({ redirectUri: redirectUri(options.origin), state: signState(options.principal) });

  async function completeConnection(options: { principal: Principal; code: string; state: string; origin: string }) {
    const { principal } = options;
    checkState(principal, options.state);
    const client = googleClient(endpoints());
    const tokens = await client.exchangeCode({ code: options.code, redirectUri: redirectUri(options.origin) });
    if (!tokens.refresh_token) throw new AppError('invalid_state', 'Google did not grant offline access; remove LeadMaster from your Google account permissions and connect again');
    const me = await client.me(tokens.access_token);
    const email = me.emailAddresses?.[0]?.value ?? 'unknown';
    const { tenantId } = principal;
    const row = await database.withTenant(tenantId, async (tx) => {
      const [created] = await tx
        .insert(googleConnections)
        .values({
          tenantId,
          userId: principal.userId,
          email,
          refreshToken: secrets.encrypt(tokens.refresh_token!),
          accessToken: secrets.encrypt(tokens.access_token),
          accessExpiresAt: new Date(clock.now().getTime() + tokens.expires_in * 1000),
        })
        .returning();
      await recordAudit(tx, { tenantId, actor: actorOf(principal), action: 'google.connected', target: { type: 'google_connection', id: created!.id }, details: { email } });
      await jobs.enqueue(syncJob, { connectionId: created!.id }, { tenantId, tx, task: { kind: 'contacts.google-sync', createdBy: principal.userId } });
      return created!;
    });
    return presentConnection(row);
  }

  async function accessToken(row: ConnectionRow): Promise<string> {
    if (row.accessToken && row.accessExpiresAt && row.accessExpiresAt.getTime() > clock.now().getTime() + 60_000) return secrets.decrypt(row.accessToken);
    const fresh = await googleClient(endpoints()).refresh(secrets.decrypt(row.refreshToken));
    await database.withTenant(row.tenantId, (tx) =>
      tx
        .update(googleConnections)
        .set({ accessToken: secrets.encrypt(fresh.access_token), accessExpiresAt: new Date(clock.now().getTime() + fresh.expires_in * 1000) })
        .where(and(eq(googleConnections.tenantId, row.tenantId), eq(googleConnections.id, row.id))),
    );
    return fresh.access_token;
  }

  /** One sync: incremental from the stored token, or a full one when there is none or it expired. */
  async function sync(options: { tenantId: string; connectionId: string; onProgress?: (n: number) => Promise<void> }) {
    const { tenantId } = options;
    const [row] = await database.withTenant(tenantId, (tx) =>
      tx.select().from(googleConnections).where(and(eq(googleConnections.tenantId, tenantId), eq(googleConnections.id, options.connectionId))),
    );
    if (!row) throw notFound('Google connection');
    const client = googleClient(endpoints());
    const { country, fields } = await database.withTenant(tenantId, async (tx) => ({ country: (await getTenant(tx, tenantId)).country, fields: [] }));
    const mapRow = rowMapper({ columns: COLUMNS, mapping: IDENTITY_MAPPING, country, fields, tags: ['google'] });
    let syncToken = row.syncToken;
    let processed = 0;
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          let pageToken: string | null = null;
          let nextSyncToken: string | undefined;
          do {
            const page = await client.connections({ accessToken: await accessToken(row), pageToken, syncToken });
            const candidates = (page.connections ?? [])
              .filter((p) => !p.metadata?.deleted)
              .map((p, i) => mapRow(personRow(p), processed + i + 1))
              .flatMap((r) => (r.ok === true ? [r.candidate] : []));
            await database.withTenant(tenantId, async (tx) => {
              await writeBatch(tx, { tenantId, importId: null, mode: 'update-existing', candidates, issues: [], consent: null, userId: row.userId, source: 'google', events: deps.events });
            });
            processed += page.connections?.length ?? 0;
            await options.onProgress?.(processed);
            pageToken = page.nextPageToken ?? null;
            nextSyncToken = page.nextSyncToken ?? nextSyncToken;
          } while (pageToken);
          syncToken = nextSyncToken ?? syncToken;
          break;
        } catch (err) {
          // Tokens expire after seven days without a sync: start over with a full sync.
          if (!(err instanceof ExpiredSyncToken) || attempt > 0) throw err;
          syncToken = null;
        }
      }
      await database.withTenant(tenantId, (tx) =>
        tx
          .update(googleConnections)
          .set({ syncToken, status: 'active', lastError: null, lastSyncedAt: clock.now(), imported: sql`${googleConnections.imported} + ${processed}` })
          .where(and(eq(googleConnections.tenantId, tenantId), eq(googleConnections.id, row.id))),
      );
      return { processed };
    } catch (err) {
      await database.withTenant(tenantId, (tx) =>
        tx
          .update(googleConnections)
          .set({ status: 'error', lastError: (err as Error).message.slice(0, 500) })
          .where(and(eq(googleConnections.tenantId, tenantId), eq(googleConnections.id, row.id))),
      );
      throw err;
    }
  }

  const syncJob = defineJob({
    name: 'contacts.google-sync',
    payload: z.object({ connectionId: z.uuid() }),
    retryLimit: 3,
    async run(payload, ctx) {
      return sync({ tenantId: ctx.tenantId!, connectionId: payload.connectionId, onProgress: (n) => ctx.progress(n) });
    },
  });

  /** Hourly: refresh every connected account (each as its own job). */
  const syncAllJob = defineJob({
    name: 'contacts.google-sync-all',
    payload: z.object({}).loose(),
    cron: '23 * * * *',
    retryLimit: 1,
    async run() {
      if (!config.google.clientId) return { queued: 0 };
      const tenants = await database.sql<{ id: string }[]>`select id from app_tenant_ids()`;
      let queued = 0;
      for (const { id: tenantId } of tenants) {
        const rows = await database.withTenant(tenantId, (tx) => tx.select({ id: googleConnections.id }).from(googleConnections).where(eq(googleConnections.tenantId, tenantId)));
        for (const r of rows) {
          await jobs.enqueue(syncJob, { connectionId: r.id }, { tenantId, singletonKey: r.id });
          queued++;
        }
      }
      return { queued };
    },
  });

  const list = (principal: Principal) =>
    database.withTenant(principal.tenantId, async (tx) =>
      (await tx.select().from(googleConnections).where(eq(googleConnections.tenantId, principal.tenantId)).orderBy(desc(googleConnections.createdAt))).map(presentConnection),
    );

  async function syncNow(options: { principal: Principal; connectionId: string }) {
    const { tenantId, userId } = options.principal;
    const [row] = await database.withTenant(tenantId, (tx) =>
      tx.select({ id: googleConnections.id }).from(googleConnections).where(and(eq(googleConnections.tenantId, tenantId), eq(googleConnections.id, options.connectionId))),
    );
    if (!row) throw notFound('Google connection');
    return jobs.enqueue(syncJob, { connectionId: row.id }, { tenantId, task: { kind: 'contacts.google-sync', createdBy: userId } });
  }

  async function disconnect(options: { principal: Principal; connectionId: string }) {
    const { tenantId } = options.principal;
    await database.withTenant(tenantId, async (tx) => {
      const removed = await tx
        .delete(googleConnections)
        .where(and(eq(googleConnections.tenantId, tenantId), eq(googleConnections.id, options.connectionId)))
        .returning({ id: googleConnections.id, email: googleConnections.email });
      if (removed.length === 0) throw notFound('Google connection');
      await recordAudit(tx, { tenantId, actor: actorOf(options.principal), action: 'google.disconnected', target: { type: 'google_connection', id: removed[0]!.id }, details: { email: removed[0]!.email } });
    });
  }

  return { connectUrl, completeConnection, sync, syncNow, list, disconnect, syncJob, syncAllJob, configured: () => Boolean(config.google.clientId && config.google.clientSecret) };
}
