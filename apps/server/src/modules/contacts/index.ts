import type { ModuleDeps } from '../../platform/deps';
import type { HttpServer } from '../../platform/http/server';
import { createContactsService } from './contacts.service';
import { createConsentService } from './consent.service';
import { createSegmentsService } from './segments.service';
import { contactsRoutes } from './contacts.routes';
import { importRoutes } from './import.routes';
import { createImportService } from './import/import.service';
import { createExportService } from './export';

export { normalizePhone, phoneKey, type NormalizedPhone } from './phone';
export { recordConsent, addToBlacklist } from './consent.service';
export type { ScoreDetails, ScoreComponent } from './contacts.tables';

/** Prospects: contacts, consent, blacklist, segments, custom fields, imports and exports. */
export function contactsModule(deps: ModuleDeps) {
  const contacts = createContactsService(deps);
  const consent = createConsentService({ ...deps, countryOf: contacts.countryOf });
  const segments = createSegmentsService(deps);
  const imports = createImportService(deps);
  deps.jobs.define(imports.importJob);
  const exports = createExportService({ ...deps, countryOf: contacts.countryOf as never });
  return {
    contacts,
    imports,
    routes: async (app: HttpServer) => {
      await app.register(contactsRoutes({ contacts, consent, segments }));
      await app.register(importRoutes({ ...deps, imports, exports, segments }));
    },
  };
}
export { loadScoringRows, writeScores, type ScoreUpdate } from './scores.repository';
