/** Every table of the product, for Drizzle's typed queries and drizzle-kit's migrations. */
export * from '../../modules/tenants/tenants.tables';
export * from '../../modules/identity/identity.tables';
export * from '../../modules/audit/audit.tables';
export * from '../jobs/tasks.tables';
export * from '../http/idempotency.tables';
export * from '../storage/blobs.tables';
export * from '../../modules/contacts/contacts.tables';
export * from '../../modules/scoring/scoring.tables';
export * from '../../modules/contacts/google/google.tables';
export * from '../../modules/channels/channels.tables';
export * from '../../modules/messaging/messaging.tables';
export * from '../../modules/channels/whatsapp-web/whatsapp-web.tables';
export * from '../../modules/campaigns/campaigns.tables';
export * from '../../modules/calendar/calendar.tables';
