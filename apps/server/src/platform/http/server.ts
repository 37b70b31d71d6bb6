import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import helmet from 'helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { AppError, ERROR_STATUS, type ErrorCode } from '../errors';
import { checkRouteAuth, type AuthResolver, type RouteAuth } from './auth';

export type HttpServer = FastifyInstance<any, any, any, Logger, ZodTypeProvider>;

export type RouteEntry = { method: string; url: string; auth: RouteAuth | undefined };

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered, with its declared auth: what the cross-tenant test walks. */
    routeTable: RouteEntry[];
  }
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Fastify's own error codes that are the client's fault, mapped into the product's error model. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
};

export async function createHttpServer(options: {
  config: Config;
  logger: Logger;
  auth: AuthResolver;
  /** The built web app, served with @fastify/static by the caller. */
  webRoot?: string | null;
}): Promise<HttpServer> {
  const { config, logger } = options;
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    childLoggerFactory: (parent, bindings, options) => lazyChildLogger(parent as Logger, bindings, options) as never,
  }).withTypeProvider<ZodTypeProvider>();

  // Before the hooks below: they read the parsed cookies.
  await app.register(cookie);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('principal', null);

  // The hooks every request passes are callback hooks, not async ones, where they do not wait for
  // anything: an async hook costs a promise and a turn of the microtask queue per request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });

  // While shutting down, in-flight requests finish but their keep-alive connections must not
  // hold the process open: answer with `Connection: close`.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });

  // Every route under /api states who may call it; a forgotten declaration stops the start.
  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routeTable.push({ method, url: route.url, auth: route.config?.auth });
    if (!route.url.startsWith('/api/v1')) return;
    if (!route.config?.auth) throw new Error(`Route ${route.method} ${route.url} declares no auth`);
  });

  app.addHook('onRequest', (request, _reply, done) => {
    if (request.routeOptions.config?.csrf === false) return done();
    if (!STATE_CHANGING.has(request.method) || isBearer(request)) return done();
    // Cookie-authenticated (or anonymous) browser requests must come from our own pages.
    if (!sameOrigin(request, config.publicUrl)) return done(new AppError('csrf_rejected', 'Cross-site request refused: the Origin does not match this server'));
    done();
  });

  // Waits (for the session or key) only on routes that need a principal.
  app.addHook('onRequest', (request, reply, done) => {
    const auth = request.routeOptions.config?.auth;
    if (!auth || 'public' in auth) return done();
    options.auth.resolve(request, reply).then(
      (principal) => {
        let refused: unknown = null;
        try {
          request.principal = principal;
          checkRouteAuth(auth, principal);
        } catch (err) {
          refused = err;
        }
        done(refused ? (refused as Error) : undefined);
      },
      (err: unknown) => done(err as Error),
    );
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const body = (code: ErrorCode | string, message: string, details?: unknown) => ({
      error: { code, message, ...(details === undefined ? {} : { details }), requestId: request.id },
    });
    if (error instanceof AppError) {
      if (error.status >= 500) request.log.error({ err: error }, 'request failed');
      if (error.headers) reply.headers(error.headers);
      return reply.status(error.status).send(body(error.code, error.message, error.details));
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const issues = error.validation.map((v) => ({
        field: [error.validationContext, ...String(v.instancePath).split('/').filter(Boolean)].join('.'),
        message: v.message,
      }));
      const fields = [...new Set(issues.map((i) => i.field))].join(', ');
      return reply.status(400).send(body('validation_failed', `Invalid request: ${fields}`, { issues }));
    }
    const dbCode = (error as { cause?: { code?: string } }).cause?.code;
    if (dbCode === '23505') {
      // A unique constraint caught a race the service's own check could not see.
      request.log.warn({ err: error }, 'unique constraint violated');
      return reply.status(409).send(body('already_exists', 'That already exists'));
    }
    const mapped = error.code ? FASTIFY_CODES[error.code] : undefined;
    if (mapped) return reply.status(ERROR_STATUS[mapped]).send(body(mapped, error.message));
    if (error.statusCode === 429) {
      return reply.status(429).send(body('rate_limited', 'Too many requests, try again later'));
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.status(error.statusCode).send(body('bad_request', error.message));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send(body('internal', 'Something went wrong on our side'));
  });

  // With a web app, page paths the API does not know are the single-page app's own routes.
  app.setNotFoundHandler((request, reply) => {
    const pageRequest =
      options.webRoot && request.method === 'GET' && !/^\/(api|webhooks)(\/|$)/.test(request.url) && request.headers.accept?.includes('text/html');
    if (pageRequest) return reply.header('cache-control', 'no-cache').sendFile('index.html');
    return reply.status(404).send({ error: { code: 'not_found', message: 'Route not found', requestId: request.id } });
  });

  return app;
}

/** Registers the platform plugins every instance carries. */
export async function registerPlatformPlugins(app: HttpServer, options: { version: string }) {
  // Security headers, by helmet's middleware built once (@fastify/helmet built it again, parsing
  // every directive, on each request: a measurable share of a short request's CPU).
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // Radix positions popovers with inline style attributes; no inline <style> or script is used.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
    },
    crossOriginEmbedderPolicy: false,
    hsts: false,
  });
  // None of them depends on the request: they are read once and each request gets them as reply
  // headers. Run per request, the middleware's dozen `setHeader`s on the raw response cost ~6% of a
  // webhook's CPU, and left Node's `writeHead` merging Fastify's headers one by one after them.
  // A route's own value of one of them (a file's sandboxing CSP) still wins: it is set later.
  const headers = staticHeadersOf(securityHeaders);
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  await app.register(swagger, {
    openapi: {
      info: { title: 'LeadMaster API', version: options.version },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'lm_session' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

/** The headers a connect-style middleware sets when it sets the same ones on every request. */
function staticHeadersOf(middleware: (req: never, res: never, next: (err?: unknown) => void) => void): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  let finished = false;
  middleware({} as never, res as never, (err) => {
    if (err) throw err;
    finished = true;
  });
  if (!finished) throw new Error('The security headers middleware did not finish at once');
  return headers;
}

const LOG_METHODS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

/**
 * A request's logger, made only when something is logged at a level it would write. Fastify gives
 * every request a pino child (with its request id), and with redaction configured pino redacts the
 * child's bindings as it makes it: 7% of a webhook's main-thread CPU in the profile, for a logger
 * that at the usual levels writes nothing for most requests. The methods live on the prototype:
 * one small object per request, not a closure per method (2.5% of a webhook's CPU when they were).
 */
class LazyChildLogger {
  private real: Logger | null = null;
  constructor(
    private readonly parent: Logger,
    private readonly childBindings: Record<string, unknown>,
    private readonly childOptions: { level?: string },
  ) {}

  private get(): Logger {
    return (this.real ??= this.parent.child(this.childBindings, this.childOptions));
  }

  isLevelEnabled(level: string): boolean {
    if (this.real) return this.real.isLevelEnabled(level);
    const values = this.parent.levels.values;
    return (values[level] ?? Infinity) >= (values[this.childOptions.level ?? this.parent.level] ?? 0);
  }

  child(bindings: Record<string, unknown>, options?: object) {
    return this.get().child(bindings, options);
  }

  bindings() {
    return this.get().bindings();
  }

  get level(): string {
    return this.real?.level ?? this.childOptions.level ?? this.parent.level;
  }

  set level(value: string) {
    this.get().level = value;
  }
}

for (const method of LOG_METHODS) {
  Object.defineProperty(LazyChildLogger.prototype, method, {
    value(this: LazyChildLogger, ...args: unknown[]) {
      if (!this.isLevelEnabled(method)) return;
      (this['get']()[method] as (...a: unknown[]) => void)(...args);
    },
  });
}

function lazyChildLogger(parent: Logger, bindings: Record<string, unknown>, options: { level?: string }): unknown {
  return new LazyChildLogger(parent, bindings, options);
}

function isBearer(request: FastifyRequest): boolean {
  return /^Bearer\s/i.test(request.headers.authorization ?? '');
}

export function sameOrigin(request: FastifyRequest, publicUrl: string | undefined): boolean {
  const claimed = originOf(request.headers.origin) ?? originOf(request.headers.referer);
  if (!claimed) return false;
  const own = originOf(`${request.protocol}://${request.host}`);
  return claimed === own || (publicUrl !== undefined && claimed === originOf(publicUrl));
}

function originOf(value: string | string[] | undefined): string | null {
  if (typeof value !== 'string' || value === 'null') return null;
  try {
    return new URL(value).origin.toLowerCase();
  } catch {
    return null;
  }
}
