import Papa from 'papaparse';
import type { ContactFilter } from '@leadmaster/contracts';
import type { ModuleDeps } from '../../platform/deps';
import type { Principal } from '../../platform/http/auth';
import { actorOf, recordAudit } from '../audit';
import { findContacts } from './contacts.repository';
import { neutraliseFormula } from './import/import.service';

const COLUMNS = [
  'id', 'firstName', 'lastName', 'company', 'phone', 'phoneE164', 'phoneValid', 'email', 'website', 'address', 'tags', 'source',
  'contactability', 'digitalMaturity', 'potential', 'validation', 'blacklisted', 'consentWhatsapp', 'consentSms', 'consentImessage', 'createdAt',
];
const PAGE = 2000;

/**
 * The current filter as CSV, streamed page by page. Every cell a spreadsheet would evaluate
 * (starting with = + - @, a tab or a carriage return) is neutralised with a leading quote.
 */
export function createExportService(deps: ModuleDeps & { countryOf: (tx: never, tenantId: string) => Promise<string> }) {
  const { database } = deps;
  return {
    async *csv(options: { principal: Principal; filter: ContactFilter; attributeKeys: string[] }): AsyncGenerator<string> {
      const { tenantId } = options.principal;
      const keys = options.attributeKeys;
      yield `\uFEFF${Papa.unparse([[...COLUMNS, ...keys.map((k) => `attr:${k}`)]])}\r\n`;
      let after: unknown[] | undefined;
      let total = 0;
      for (;;) {
        const page = await database.withTenant(tenantId, async (tx) => {
          const rows = await findContacts(tx, {
            tenantId,
            country: await deps.countryOf(tx as never, tenantId),
            filter: options.filter,
            sort: 'recent',
            limit: PAGE,
            ...(after ? { after } : {}),
          });
          return { rows };
        });
        if (page.rows.length === 0) break;
        total += page.rows.length;
        const lines = page.rows.map((r) => {
          const consent = r.consent;
          const cells = [
            r.id, r.firstName, r.lastName, r.company, r.phoneRaw, r.phoneE164 ?? '', String(r.phoneValid), r.email ?? '', r.website ?? '',
            r.address ?? '', r.tags.join(', '), r.source, String(r.scoreContactability), String(r.scoreDigitalMaturity), String(r.scorePotential),
            r.validationStatus, String(r.blacklisted), consent.whatsapp ?? '', consent.sms ?? '', consent.imessage ?? '', r.createdAt.toISOString(),
            ...keys.map((k) => (r.attributes[k] === undefined ? '' : String(r.attributes[k]))),
          ];
          return cells.map(neutraliseFormula);
        });
        yield `${Papa.unparse(lines)}\r\n`;
        after = [page.rows.at(-1)!.id];
        if (page.rows.length < PAGE) break;
      }
      await database.withTenant(tenantId, (tx) =>
        recordAudit(tx, { tenantId, actor: actorOf(options.principal), action: 'contacts.exported', details: { rows: total, filter: options.filter } }),
      );
    },
  };
}
