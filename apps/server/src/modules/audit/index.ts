export { recordAudit, recordPlatformAudit, actorOf, systemActor, operatorActor, type Actor, type AuditEntry } from './audit.service';
export { auditRoutes } from './audit.routes';
