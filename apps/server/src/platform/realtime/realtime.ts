import type { WebSocket } from 'ws';
import type { Config } from '../config';
import type { EventBus, BusEvent } from '../events/bus';
import { AppError } from '../errors';
import type { AuthResolver, Principal } from '../http/auth';
import { sameOrigin, type HttpServer } from '../http/server';

const HEARTBEAT_MS = 30_000;
/** A socket re-checks its session this often, so logout or a disabled user ends it too. */
const REAUTH_MS = 60_000;

export function canSee(principal: Principal, event: BusEvent): boolean {
  return event.tenantId === principal.tenantId && (!event.userId || event.userId === principal.userId);
}

/**
 * `GET /api/v1/realtime`: a WebSocket authenticated by the session cookie. Each socket receives
 * `{ type, data }` for the events of its tenant (and those addressed to its user) only.
 */
export function realtimeRoutes(deps: { bus: EventBus; auth: AuthResolver; config: Config }) {
  return async (app: HttpServer) => {
    const sockets = new Map<WebSocket, { principal: Principal; alive: boolean }>();
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
    app.addHook('onClose', async () => {
      unsubscribe();
      clearInterval(heartbeat);
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
        const state = { principal: request.principal!, alive: true };
        sockets.set(socket, state);
        socket.on('pong', () => (state.alive = true));
        socket.on('message', () => undefined);
        const reauth = setInterval(async () => {
          const principal = await deps.auth.resolve(request, { setCookie: () => undefined } as never).catch(() => null);
          if (principal) state.principal = principal;
          else socket.close(4401, 'session ended');
        }, REAUTH_MS).unref();
        socket.on('close', () => {
          clearInterval(reauth);
          sockets.delete(socket);
        });
        socket.send(JSON.stringify({ type: 'ready', data: { tenantId: state.principal.tenantId, userId: state.principal.userId } }));
      },
    );
  };
}
