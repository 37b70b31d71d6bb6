import type { ModuleDeps } from '../../platform/deps';
import type { HttpServer } from '../../platform/http/server';
import { createContactsService } from './contacts.service';
import { createConsentService } from './consent.service';
import { createSegmentsService } from './segments.service';
import { contactsRoutes } from './contacts.routes';
import { importRoutes } from './import.routes';
import { createImportService } from './import/import.service';
import { createExportService } from './export';
import { createValidationService } from './validation.service';
import { createHouseholdService } from './household.service';
import { createBulkService } from './bulk.service';
import { contactActionsRoutes } from './validation.routes';
import { createGoogleService } from './google/google.service';
import { googleRoutes } from './google/google.routes';

export { normalizePhone, phoneKey, phoneSearchKey, type NormalizedPhone } from './phone';
export { normalizeSearch } from './contact-filter';
export { filterConditions } from './contact-filter';
export { recordConsent, addToBlacklist, recordOptOut } from './consent.service';
export { findOrCreateContactsForSenders, tenantCountryInTx, type ContactForSender, type SenderLookup } from './channel-contacts';
export { neutraliseFormula } from './import/import.service';
export type { ScoreDetails, ScoreComponent } from './contacts.tables';

/** Prospects: contacts, consent, blacklist, segments, custom fields, imports and exports. */
export function contactsModule(deps: ModuleDeps) {
  const contacts = createContactsService(deps);
  const consent = createConsentService({ ...deps, countryOf: contacts.countryOf });
  const segments = createSegmentsService(deps);
  const imports = createImportService(deps);
  deps.jobs.define(imports.importJob);
  const exports = createExportService({ ...deps, countryOf: contacts.countryOf as never });
  const validation = createValidationService(deps);
  deps.jobs.define(validation.expireJob);
  const household = createHouseholdService(deps);
  const bulk = createBulkService(deps);
  deps.jobs.define(bulk.bulkJob);
  const google = createGoogleService(deps);
  deps.jobs.define(google.syncJob);
  deps.jobs.define(google.syncAllJob);
  return {
    contacts,
    imports,
    validation,
    bulk,
    google,
    routes: async (app: HttpServer) => {
      await app.register(contactsRoutes({ contacts, consent, segments }));
      await app.register(importRoutes({ ...deps, imports, exports, segments }));
      await app.register(contactActionsRoutes({ contacts, validation, household, bulk }));
      await app.register(googleRoutes({ google }));
    },
  };
}
export { loadScoringRows, writeScores, type ScoreUpdate } from './scores.repository';
