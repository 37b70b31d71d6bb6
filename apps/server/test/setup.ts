import net from 'node:net';

/**
 * Tests never reach the internet: a connection to anything but loopback or a Unix socket fails
 * loudly. Fakes of provider APIs listen on 127.0.0.1.
 */
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  const first = args[0];
  const options = (typeof first === 'object' && first !== null ? first : {}) as { host?: string; path?: string; port?: number };
  const host = typeof first === 'object' ? options.host : typeof args[1] === 'string' ? args[1] : undefined;
  const isPath = typeof first === 'string' || Boolean(options.path);
  if (!isPath && host !== undefined && !/^(localhost|127\.\d+\.\d+\.\d+|::1|::ffff:127\.0\.0\.1)$/i.test(host)) {
    throw new Error(`Test tried to connect to ${host}: outbound network is blocked in tests`);
  }
  return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;
