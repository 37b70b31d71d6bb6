import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { Config } from '../config';
import type { EventBus, BusEvent } from '../events/bus';
import { AppError } from '../errors';
import type { AuthResolver, Principal } from '../http/auth';
import { sameOrigin, type HttpServer } from '../http/server';

const HEARTBEAT_MS = 30_000;
/** A socket re-checks its session this often, so logout or a disabled user ends it too. */
const REAUTH_MS = 60_000;
/** How often the one re-check timer looks for sockets that are due (a socket waits at most this much longer). */
const REAUTH_TICK_MS = 5_000;
const REAUTH_TICKS = REAUTH_MS / REAUTH_TICK_MS;

/**
 * What the auth resolver reads of a request (the credential), kept per socket instead of the
 * upgrade request itself: a socket lives for hours, and its request (headers, raw message,
 * Fastify's objects) would live as long.
 */
type Credential = { headers: { authorization?: string }; cookies: Record<string, string | undefined>; protocol: string };
type SocketState = { principal: Principal; alive: boolean; credential: Credential; key: string; dueTick: number };

function credentialOf(request: FastifyRequest): { credential: Credential; key: string } {
  const authorization = request.headers.authorization;
  const credential = { headers: authorization === undefined ? {} : { authorization }, cookies: { ...request.cookies }, protocol: request.protocol };
  // Sockets opened with the same credential share one re-check.
  return { credential, key: JSON.stringify(credential) };
}

export function canSee(principal: Principal, event: BusEvent): boolean {
  return event.tenantId === principal.tenantId && (!event.userId || event.userId === principal.userId);
}

/**
 * `GET /api/v1/realtime`: a WebSocket authenticated by the session cookie. Each socket receives
 * `{ type, data }` for the events of its tenant (and those addressed to its user) only.
 */
export function realtimeRoutes(deps: { bus: EventBus; auth: AuthResolver; config: Config }) {
  return async (app: HttpServer) => {
    const sockets = new Map<WebSocket, SocketState>();
    const unsubscribe = deps.bus.subscribe((event) => {
      const message = JSON.stringify({ type: event.type, data: event.data });
      for (const [socket, state] of sockets) if (canSee(state.principal, event)) socket.send(message);
    });
    const heartbeat = setInterval(() => {
      for (const [socket, state] of sockets) {
        if (!state.alive) socket.terminate();
        state.alive = false;
        socket.ping();
      }
    }, HEARTBEAT_MS).unref();

    // One timer for every socket's session re-check (not one interval per socket), and one
    // resolve per credential that is due, however many sockets (tabs) share it.
    let tick = 0;
    let checking = false;
    const reauth = setInterval(async () => {
      tick++;
      if (checking) return;
      checking = true;
      try {
        const due = new Map<string, [WebSocket, SocketState][]>();
        for (const entry of sockets) {
          if (entry[1].dueTick > tick) continue;
          const group = due.get(entry[1].key);
          if (group) group.push(entry);
          else due.set(entry[1].key, [entry]);
        }
        for (const group of due.values()) {
          const credential = group[0]![1].credential;
          // The resolver may slide the session's expiry; the socket has no response to carry the cookie.
          const principal = await deps.auth.resolve(credential as unknown as FastifyRequest, { setCookie: () => undefined } as never).catch(() => null);
          for (const [socket, state] of group) {
            if (!sockets.has(socket)) continue;
            state.dueTick = tick + REAUTH_TICKS;
            if (principal) state.principal = principal;
            else socket.close(4401, 'session ended');
          }
        }
      } finally {
        checking = false;
      }
    }, REAUTH_TICK_MS).unref();
    app.addHook('onClose', async () => {
      unsubscribe();
      clearInterval(heartbeat);
      clearInterval(reauth);
      for (const socket of sockets.keys()) socket.terminate();
    });

    app.get(
      '/api/v1/realtime',
      {
        websocket: true,
        config: { auth: { permission: null } },
        schema: { hide: true },
        // A refused upgrade leaves its socket half-open; without this it would hold up shutdown.
        onResponse: async (request, reply) => {
          if (reply.statusCode >= 400) request.raw.socket?.destroy();
        },
        // A page on another site must not open a socket with our user's cookie.
        preValidation: async (request) => {
          if (request.headers.origin && !sameOrigin(request, deps.config.publicUrl)) {
            throw new AppError('csrf_rejected', 'Cross-site WebSocket refused');
          }
        },
      },
      (socket, request) => {
        const state: SocketState = { principal: request.principal!, alive: true, ...credentialOf(request), dueTick: tick + REAUTH_TICKS };
        sockets.set(socket, state);
        socket.on('pong', () => (state.alive = true));
        socket.on('message', () => undefined);
        socket.on('close', () => sockets.delete(socket));
        socket.send(JSON.stringify({ type: 'ready', data: { tenantId: state.principal.tenantId, userId: state.principal.userId } }));
      },
    );
  };
}
