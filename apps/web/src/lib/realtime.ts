import { useEffect, useRef, useSyncExternalStore } from 'react';

/**
 * The realtime connection: one WebSocket per signed-in tab, authenticated by the session cookie.
 * It reconnects with capped, jittered backoff; features subscribe to event types and (by house rule)
 * write what they receive into the TanStack Query cache instead of keeping their own copies.
 */
export type RealtimeStatus = 'idle' | 'connecting' | 'open' | 'reconnecting';
export type RealtimeEvent = { type: string; data: unknown };
type Handler = (data: unknown, event: RealtimeEvent) => void;

const MIN_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;
/** The server closes with this code when the session behind the socket has ended. */
const SESSION_ENDED = 4401;
/** A local event (never sent by the server): the socket was closed because the session ended. */
export const SESSION_ENDED_EVENT = 'session.ended';

export class RealtimeClient {
  private socket: WebSocket | null = null;
  private handlers = new Map<string, Set<Handler>>();
  private statusListeners = new Set<() => void>();
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = true;
  private currentStatus: RealtimeStatus = 'idle';

  constructor(private readonly options: { url?: () => string } = {}) {}

  get status(): RealtimeStatus {
    return this.currentStatus;
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this.attempt = 0;
    this.open();
  }

  stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const socket = this.socket;
    this.socket = null;
    // Closing a socket that is still connecting logs a browser error: let it open, then close it.
    if (socket?.readyState === WebSocket.CONNECTING) socket.onopen = () => socket.close(1000, 'client stopped');
    else socket?.close(1000, 'client stopped');
    this.setStatus('idle');
  }

  /** Listens to one event type (`'*'` for all); returns the unsubscribe function. */
  subscribe(type: string, handler: Handler): () => void {
    let set = this.handlers.get(type);
    if (!set) this.handlers.set(type, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  onStatusChange(listener: () => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  private url(): string {
    if (this.options.url) return this.options.url();
    return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/realtime`;
  }

  private open() {
    this.setStatus(this.attempt === 0 ? 'connecting' : 'reconnecting');
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.url());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onmessage = (message) => {
      if (this.socket === socket) this.dispatch(message.data);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.stopped) return;
      if (event.code === SESSION_ENDED) {
        this.stop();
        // Told to subscribers like any event, so the app can re-check the session.
        this.dispatch(JSON.stringify({ type: SESSION_ENDED_EVENT, data: null }));
        return;
      }
      this.scheduleReconnect();
    };
  }

  private dispatch(raw: unknown) {
    if (typeof raw !== 'string') return;
    let event: RealtimeEvent;
    try {
      const parsed = JSON.parse(raw) as Partial<RealtimeEvent>;
      if (typeof parsed.type !== 'string') return;
      event = { type: parsed.type, data: parsed.data };
    } catch {
      return;
    }
    if (event.type === 'ready') {
      this.attempt = 0;
      this.setStatus('open');
    }
    for (const key of [event.type, '*']) {
      for (const handler of this.handlers.get(key) ?? []) {
        try {
          handler(event.data, event);
        } catch (error) {
          console.warn('realtime handler failed', error);
        }
      }
    }
  }

  private scheduleReconnect() {
    this.setStatus('reconnecting');
    const delay = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** this.attempt);
    this.attempt += 1;
    // Jitter keeps a restarted server from being hit by every tab at the same instant.
    this.timer = setTimeout(() => this.open(), delay / 2 + Math.random() * (delay / 2));
  }

  private setStatus(status: RealtimeStatus) {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    this.statusListeners.forEach((l) => l());
  }
}

/** The one connection of this tab; the app shell starts it once signed in and stops it on sign-out. */
export const realtime = new RealtimeClient();

export function useRealtimeStatus(client: RealtimeClient = realtime): RealtimeStatus {
  return useSyncExternalStore(
    (listener) => client.onStatusChange(listener),
    () => client.status,
  );
}

/** Runs `handler` for each event of `type` while the component is mounted. */
export function useRealtimeEvent(type: string, handler: Handler, client: RealtimeClient = realtime) {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => client.subscribe(type, (data, event) => latest.current(data, event)), [client, type]);
}
