import { cleanupOldTemplates, preparePgliteTemplate, preparePostgresTemplate } from './template';

/** Builds the migrated template once for the whole run. */
export default async function globalSetup() {
  const url = process.env.TEST_DATABASE_URL;
  if (url) await preparePostgresTemplate(url);
  else {
    await cleanupOldTemplates();
    await preparePgliteTemplate();
  }
}
