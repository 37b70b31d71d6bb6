import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from './harness';

/**
 * Lists read newest (or best) first page by page: each must walk an index in its own order. A
 * `desc` index built as NULLS LAST cannot serve `order by … desc` (NULLS FIRST), and every page
 * then sorts the tenant's whole table: these plans must have no Sort at the top.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const TENANT = '00000000-0000-4000-8000-000000000001';
const INBOX_ORDER = 'pinned desc, coalesce(last_message_at, created_at) desc, id desc limit 51';
const LISTS: Record<string, string> = {
  'audit log': `select * from audit_events where tenant_id = '${TENANT}' order by at desc limit 51`,
  'audit log by actor': `select * from audit_events where tenant_id = '${TENANT}' and actor_id = '${TENANT}' order by at desc limit 51`,
  'contacts by contactability': `select * from contacts where tenant_id = '${TENANT}' order by score_contactability desc, id desc limit 51`,
  'validation queue': `select * from contacts where tenant_id = '${TENANT}' and validation_status = 'pending' order by score_contactability desc, id desc limit 51`,
  'campaign list': `select * from campaigns where tenant_id = '${TENANT}' order by created_at desc, id asc limit 51`,
  // The engine's claim (recipientIsPending): the due index's condition names no status (decision 0027).
  'campaign claim, due ledger rows': `select * from campaign_recipients where tenant_id = '${TENANT}' and campaign_id = '${TENANT}' and status = 'pending' and message_id is null and skip_reason is null and due_at <= now() order by due_at, contact_id limit 1000`,
  'conversation thread': `select * from messages where tenant_id = '${TENANT}' and conversation_id = '${TENANT}' order by created_at desc, id desc limit 51`,
  'inbox, all': `select * from conversations where tenant_id = '${TENANT}' order by ${INBOX_ORDER}`,
  'inbox, active': `select * from conversations where tenant_id = '${TENANT}' and status = 'active' order by ${INBOX_ORDER}`,
  'inbox, mine and active': `select * from conversations where tenant_id = '${TENANT}' and assignee_id = '${TENANT}' and status = 'active' order by ${INBOX_ORDER}`,
  'inbox, unassigned and archived': `select * from conversations where tenant_id = '${TENANT}' and assignee_id is null and status = 'archived' order by ${INBOX_ORDER}`,
};

describe('list queries walk their index in order', () => {
  it.each(Object.entries(LISTS))('%s', async (_name, query) => {
    const plan = await t.db.withTenant(TENANT, async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      await tx.execute(sql`set local enable_bitmapscan = off`);
      const rows = await tx.execute<{ 'QUERY PLAN': string }>(sql.raw(`explain ${query}`));
      return rows.map((r) => r['QUERY PLAN']);
    });
    // An index scan feeds the Limit, and nothing sorts the rows it reads (an Incremental Sort of ties would be fine).
    const text = plan.join('\n');
    expect(text).toMatch(/Index (Only )?Scan/);
    expect(plan.filter((line) => /(^|->\s+)Sort\b/.test(line.trim())), text).toEqual([]);
  });
});
