import { ScoringPreview, ScoringPreviewInput, ScoringSettings, ScoringSettingsInput, TaskStarted } from '@leadmaster/contracts';
import { z } from 'zod';
import type { ModuleDeps } from '../../platform/deps';
import type { HttpServer } from '../../platform/http/server';
import { principalOf } from '../../platform/http/auth';
import { actorOf, recordAudit } from '../audit';
import { loadScoringRows } from '../contacts';
import { scoringSettings } from './scoring.tables';
import { getScoringSettings, toScoringInput, type createScoringService } from './scoring.service';
import { potential } from './scores';

export function scoringRoutes(deps: ModuleDeps & { scoring: ReturnType<typeof createScoringService> }) {
  const { database, jobs, scoring } = deps;
  return async (app: HttpServer) => {
    app.get(
      '/api/v1/scoring/settings',
      { config: { auth: { permission: 'contacts.read' } }, schema: { tags: ['scoring'], response: { 200: ScoringSettings } } },
      async (request) => {
        const { tenantId } = principalOf(request);
        return database.withTenant(tenantId, (tx) => getScoringSettings(tx, tenantId));
      },
    );

    app.put(
      '/api/v1/scoring/settings',
      {
        config: { auth: { permission: 'scoring.manage' } },
        schema: { tags: ['scoring'], body: ScoringSettingsInput, response: { 200: ScoringSettings.extend({ taskId: z.string().nullable() }) } },
      },
      async (request) => {
        const principal = principalOf(request);
        const { tenantId } = principal;
        return database.withTenant(tenantId, async (tx) => {
          const current = await getScoringSettings(tx, tenantId);
          const next = { ...current, ...request.body };
          await tx
            .insert(scoringSettings)
            .values({ tenantId, threshold: next.threshold, potentialRules: next.potentialRules })
            .onConflictDoUpdate({ target: scoringSettings.tenantId, set: { threshold: next.threshold, potentialRules: next.potentialRules } });
          await recordAudit(tx, { tenantId, actor: actorOf(principal), action: 'scoring.settings_changed', details: { threshold: next.threshold, rules: next.potentialRules.length } });
          // New rules change every contact's potential: re-score in the background, with progress.
          const rulesChanged = request.body.potentialRules !== undefined;
          const { taskId } = rulesChanged
            ? await jobs.enqueue(scoring.rescoreJob, {}, { tenantId, tx, task: { kind: 'scoring.rescore-all', createdBy: principal.userId } })
            : { taskId: null };
          return { ...next, taskId };
        });
      },
    );

    app.post(
      '/api/v1/scoring/preview',
      { config: { auth: { permission: 'scoring.manage' } }, schema: { tags: ['scoring'], body: ScoringPreviewInput, response: { 200: ScoringPreview } } },
      async (request) => {
        const { tenantId } = principalOf(request);
        const { potentialRules, limit } = request.body;
        const rows = await database.withTenant(tenantId, async (tx) => {
          const recent = await loadScoringRows(tx, { tenantId, limit: limit * 20 });
          return recent.slice(-limit);
        });
        return {
          items: rows.map((row) => {
            const components = potential(toScoringInput(row, null), potentialRules);
            return {
              contactId: row.id,
              name: [row.firstName, row.lastName].filter(Boolean).join(' ') || row.company || row.email || '—',
              current: 0,
              potential: Math.max(0, Math.min(100, components.reduce((s, c) => s + c.points, 0))),
              components,
            };
          }),
        };
      },
    );

    app.post(
      '/api/v1/scoring/rescore',
      { config: { auth: { permission: 'scoring.manage' }, idempotent: true }, schema: { tags: ['scoring'], response: { 202: TaskStarted } } },
      async (request, reply) => {
        const principal = principalOf(request);
        const { taskId } = await jobs.enqueue(scoring.rescoreJob, {}, { tenantId: principal.tenantId, task: { kind: 'scoring.rescore-all', createdBy: principal.userId } });
        return reply.status(202).send({ taskId });
      },
    );
  };
}
