import { z } from 'zod';
import path from 'node:path';

const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  SECRET_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64url').length >= 32, 'must be at least 32 bytes, base64url-encoded')
    .optional(),
  PUBLIC_URL: z
    .url({ protocol: /^https?$/ })
    .transform((v) => v.replace(/\/+$/, ''))
    .optional(),
  LOG_LEVEL: LogLevel.default('info'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  /** How far the heap may grow past its live size before a full collection (platform/heap.ts); 0: V8's own heuristic. */
  HEAP_GROWTH_PERCENT: z.coerce.number().int().min(0).max(400).default(50),
  /** Per address and process, on sign-in and setup routes, before the per-account limits. */
  AUTH_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  GOOGLE_CLIENT_ID: z.string().min(1).optional(),
  GOOGLE_CLIENT_SECRET: z.string().min(1).optional(),
  GOOGLE_AUTH_URL: z.url().default('https://accounts.google.com/o/oauth2/v2/auth'),
  GOOGLE_TOKEN_URL: z.url().default('https://oauth2.googleapis.com/token'),
  GOOGLE_PEOPLE_API_URL: z.url().transform((v) => v.replace(/\/+$/, '')).default('https://people.googleapis.com'),
  TRUST_PROXY: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
});

export type Config = {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  secretKey: string | undefined;
  publicUrl: string | undefined;
  logLevel: z.infer<typeof LogLevel>;
  poolSize: number;
  bodyLimit: number;
  heapGrowthPercent: number;
  trustProxy: boolean;
  authRateLimitPerMinute: number;
  /** Google Contacts sync; absent client id/secret: the feature says it is not configured. */
  google: { clientId: string | undefined; clientSecret: string | undefined; authUrl: string; tokenUrl: string; peopleApiUrl: string };
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and checks the environment once, naming every bad variable at the same time. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable is treated as unset, so `FOO= leadmaster start` falls back to the default.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.DATA_DIR),
    secretKey: e.SECRET_KEY,
    publicUrl: e.PUBLIC_URL,
    logLevel: e.LOG_LEVEL,
    poolSize: e.DATABASE_POOL_SIZE,
    bodyLimit: e.BODY_LIMIT_BYTES,
    heapGrowthPercent: e.HEAP_GROWTH_PERCENT,
    trustProxy: e.TRUST_PROXY,
    authRateLimitPerMinute: e.AUTH_RATE_LIMIT_PER_MINUTE,
    google: {
      clientId: e.GOOGLE_CLIENT_ID,
      clientSecret: e.GOOGLE_CLIENT_SECRET,
      authUrl: e.GOOGLE_AUTH_URL,
      tokenUrl: e.GOOGLE_TOKEN_URL,
      peopleApiUrl: e.GOOGLE_PEOPLE_API_URL,
    },
  };
}
