/**
 * The module rule (docs/architecture.md): platform ← tenants, audit ← identity ← (later) channels,
 * contacts ← scoring, inbox, calendar ← campaigns, ai. Calls go down, events go up; a module is
 * entered only through its index.ts. Tests may reach across to build fixtures.
 */
const SERVER = '^apps/server/src';
const NOT_TEST = '\\.test\\.ts$';

/** For each module, the modules it may call (besides platform). */
const LAYERS = {
  audit: [],
  tenants: ['audit'],
  identity: ['tenants', 'audit'],
  contacts: ['identity', 'tenants', 'audit'],
  scoring: ['contacts', 'identity', 'tenants', 'audit'],
  files: [],
  channels: ['identity', 'tenants', 'audit'],
  calendar: ['contacts', 'identity', 'tenants', 'audit'],
  messaging: ['files', 'channels', 'contacts', 'identity', 'tenants', 'audit'],
  campaigns: ['files', 'messaging', 'channels', 'contacts', 'identity', 'tenants', 'audit'],
};

module.exports = {
  forbidden: [
    {
      name: 'platform-imports-no-module',
      comment: 'platform/ holds no business logic and knows no module.',
      severity: 'error',
      // schema.ts gathers every module's tables for Drizzle: the one composition point under platform.
      from: { path: `${SERVER}/platform`, pathNot: [NOT_TEST, `${SERVER}/platform/db/schema\\.ts$`] },
      to: { path: `${SERVER}/modules` },
    },
    {
      name: 'modules-through-index',
      comment: "A module reaches another only through its index.ts (never its repository or tables).",
      severity: 'error',
      from: { path: `${SERVER}/modules/([^/]+)/`, pathNot: NOT_TEST },
      to: { path: `${SERVER}/modules/`, pathNot: [`${SERVER}/modules/$1/`, `${SERVER}/modules/[^/]+/index\\.ts$`, `${SERVER}/modules/[^/]+/[^/]+\\.tables\\.ts$`] },
    },
    ...Object.entries(LAYERS).map(([module, allowed]) => ({
      name: `layer-${module}`,
      comment: `${module} may call only: ${allowed.join(', ') || 'no other module'} (calls go down, events go up).`,
      severity: 'error',
      // Foreign keys between tables files are governed by the rule below, not by the call layers.
      from: { path: `${SERVER}/modules/${module}/`, pathNot: [NOT_TEST, '\\.tables\\.ts$'] },
      to: { path: `${SERVER}/modules/`, pathNot: [`${SERVER}/modules/(${[module, ...allowed].join('|')})/`] },
    })),
    {
      name: 'tables-only-from-schema-or-own-module',
      comment: 'Another module’s tables are read only by the schema aggregate (for Drizzle) and foreign keys between tables files.',
      severity: 'error',
      from: { path: `${SERVER}/modules/([^/]+)/`, pathNot: [NOT_TEST, '\\.tables\\.ts$', '\\.repository\\.ts$'] },
      to: { path: `${SERVER}/modules/[^/]+/[^/]+\\.tables\\.ts$`, pathNot: `${SERVER}/modules/$1/` },
    },
    {
      name: 'web-only-contracts',
      comment: 'The web app shares only packages/contracts with the server.',
      severity: 'error',
      from: { path: '^apps/web' },
      to: { path: '^apps/server' },
    },
    {
      name: 'contracts-stand-alone',
      severity: 'error',
      from: { path: '^packages/contracts' },
      to: { path: '^apps/' },
    },
    {
      name: 'no-circular-modules',
      severity: 'error',
      from: { path: `${SERVER}/modules/([^/]+)/` },
      to: { circular: true, path: `${SERVER}/modules/`, pathNot: `${SERVER}/modules/$1/` },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['node_modules', 'dist'] },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.mjs'] },
  },
};
