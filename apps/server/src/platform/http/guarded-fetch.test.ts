import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuardedFetch, OutboundHttpError } from './guarded-fetch';
import { canonicalHost, refusedAddressReason } from './address-policy';

/** A loopback service an attacker would like to reach: it must never see a connection. */
let victim: http.Server;
let victimPort = 0;
let victimConnections = 0;
/** The "provider": a local fake that is explicitly allowed, and that can redirect anywhere. */
let provider: http.Server;
let providerPort = 0;
const seenByProvider: { path: string; authorization: string | undefined }[] = [];

const listen = async (server: http.Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
};

beforeAll(async () => {
  victim = http.createServer((_req, res) => res.end('secret'));
  victim.on('connection', () => void victimConnections++);
  victimPort = await listen(victim);
  provider = http.createServer(async (req, res) => {
    seenByProvider.push({ path: req.url ?? '', authorization: req.headers.authorization });
    for await (const _ of req);
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/redirect') {
      res.writeHead(302, { location: url.searchParams.get('to')! });
      return res.end();
    }
    if (url.pathname === '/image') {
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      return res.end(Buffer.alloc(1000, 1));
    }
    if (url.pathname === '/big') {
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      // No content-length: the cap must hold while streaming.
      res.write(Buffer.alloc(6000, 1));
      return res.end(Buffer.alloc(6000, 1));
    }
    if (url.pathname === '/html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end('<html>');
    }
    if (url.pathname === '/hang') return; // reads the whole request, never answers
    res.writeHead(404).end();
  });
  providerPort = await listen(provider);
});
afterAll(async () => {
  await new Promise((r) => victim.close(r));
  provider.closeAllConnections();
  await new Promise((r) => provider.close(r));
});

const fakeDns: Record<string, { address: string; family: number }[]> = {
  'evil.test': [{ address: '127.0.0.1', family: 4 }],
  'mixed.test': [
    { address: '93.184.216.34', family: 4 },
    { address: '10.0.0.7', family: 4 },
  ],
  'mapped.test': [{ address: '::ffff:127.0.0.1', family: 6 }],
  'metadata.test': [{ address: '169.254.169.254', family: 4 }],
  // The fake provider, allowed by name (no spelling of 127.0.0.1 itself is exempt).
  'provider.test': [{ address: '127.0.0.1', family: 4 }],
  localhost: [
    { address: '127.0.0.1', family: 4 },
    { address: '::1', family: 6 },
  ],
};
const resolve = async (host: string) => {
  const found = fakeDns[host];
  if (!found) throw new Error('ENOTFOUND');
  return found;
};

describe('address policy', () => {
  const refused = [
    '127.0.0.1', '127.255.255.254', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.0.10', '100.64.0.1', '100.127.255.255',
    '169.254.169.254', '169.254.0.1', '0.0.0.0', '224.0.0.251', '239.255.255.250', '255.255.255.255', '192.0.2.1', '198.18.0.1',
    '::', '::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '0:0:0:0:0:ffff:7f00:1', '::ffff:a9fe:a9fe', '::ffff:169.254.169.254',
    '::ffff:0:7f00:1', '::127.0.0.1', '64:ff9b::7f00:1', '64:ff9b::a9fe:a9fe', '2002:7f00:1::1', '2002:c0a8:101::1',
    'fc00::1', 'fd12:3456::1', 'fe80::1', 'fe80::1%eth0', 'ff02::1', 'fec0::1', '2001:db8::1', '2001:0:4136:e378::1',
  ];
  it.each(refused)('refuses %s', (address) => {
    expect(refusedAddressReason(address)).not.toBeNull();
  });
  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1', '172.32.0.1', '100.128.0.1'])(
    'allows public %s',
    (address) => {
      expect(refusedAddressReason(address)).toBeNull();
    },
  );
  it('reads every spelling of loopback the URL parser accepts as the same address', () => {
    const spellings = ['http://2130706433/', 'http://0177.0.0.1/', 'http://0x7f.0.0.1/', 'http://127.1/', 'http://0x7f000001/', 'http://[::ffff:127.0.0.1]/', 'http://[0:0:0:0:0:ffff:7f00:1]/'];
    for (const s of spellings) expect(refusedAddressReason(canonicalHost(new URL(s).hostname)), s).not.toBeNull();
  });
});

describe('guarded fetch', () => {
  it('never connects to a non-public address, however it is spelled, named or redirected to', async () => {
    const p = victimPort;
    const direct = [
      `http://127.0.0.1:${p}/`, `http://2130706433:${p}/`, `http://0177.0.0.1:${p}/`, `http://0x7f.1:${p}/`, `http://127.1:${p}/`,
      `http://[::1]:${p}/`, `http://[::ffff:127.0.0.1]:${p}/`, `http://[::ffff:7f00:1]:${p}/`, `http://[0:0:0:0:0:ffff:7f00:1]:${p}/`,
      `http://[::ffff:0:7f00:1]:${p}/`, `http://[64:ff9b::7f00:1]:${p}/`, `http://[2002:7f00:1::]:${p}/`, `http://0.0.0.0:${p}/`, `http://[::]:${p}/`,
      'http://169.254.169.254/latest/meta-data/', 'http://[fd00::1]/', 'http://[fe80::1]/', 'http://10.0.0.1/', 'http://172.16.0.1/',
      'http://192.168.1.1/', 'http://100.64.0.1/', 'http://224.0.0.1/',
      `http://evil.test:${p}/`, `http://mixed.test:${p}/`, `http://mapped.test:${p}/`, 'http://metadata.test/',
    ];
    const hosts = direct.map((u) => canonicalHost(new URL(u).hostname));
    // Every host is on the allow-list, so only the address check stands between the caller and the victim.
    const guarded = createGuardedFetch({ allowedHosts: [...hosts, 'provider.test', 'localhost'], allowPrivateHosts: ['provider.test'], resolve });
    for (const url of direct) {
      const err = await guarded(url).catch((e) => e);
      expect(err, url).toBeInstanceOf(OutboundHttpError);
      expect(err.reason, url).toBe('refused');
      expect(err.requestSent).toBe(false);
    }
    const redirects = [...direct, `http://localhost:${p}/`, 'http://not-allowed.example/'];
    for (const to of redirects) {
      const err = await guarded(`http://provider.test:${providerPort}/redirect?to=${encodeURIComponent(to)}`).catch((e) => e);
      expect(err, to).toBeInstanceOf(OutboundHttpError);
      expect(err.reason, to).toBe('refused');
    }
    // Without the test-only allowance, the loopback provider itself is refused too.
    const strict = createGuardedFetch({ allowedHosts: ['127.0.0.1'], resolve });
    expect(await strict(`http://127.0.0.1:${p}/`).catch((e) => e.reason)).toBe('refused');
    expect(victimConnections).toBe(0);
  });

  it('refuses hosts that are not on the list and schemes other than http(s)', async () => {
    const guarded = createGuardedFetch({ allowedHosts: ['graph.facebook.com', '*.fbcdn.net'], resolve });
    for (const url of ['http://example.com/', 'http://fbcdn.net.evil.test/', 'http://xfbcdn.net/', 'file:///etc/passwd', 'ftp://graph.facebook.com/']) {
      expect((await guarded(url).catch((e) => e)).reason, url).toBe('refused');
    }
  });

  it('follows an allowed redirect, dropping the bearer token when the origin changes', async () => {
    const guarded = createGuardedFetch({ allowedHosts: ['127.0.0.1', 'localhost'], allowPrivateHosts: ['127.0.0.1', 'localhost'], resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    seenByProvider.length = 0;
    const res = await guarded(`http://127.0.0.1:${providerPort}/redirect?to=${encodeURIComponent(`http://localhost:${providerPort}/image`)}`, { headers: { authorization: 'Bearer t0k' } });
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(1000);
    expect(seenByProvider).toEqual([
      { path: expect.stringContaining('/redirect'), authorization: 'Bearer t0k' },
      { path: '/image', authorization: undefined },
    ]);
  });

  it('enforces the size cap while streaming and the content-type list', async () => {
    const guarded = createGuardedFetch({ allowedHosts: ['127.0.0.1'], allowPrivateHosts: ['127.0.0.1'], maxBytes: 10_000, contentTypes: ['image/', 'application/pdf'] });
    expect((await guarded(`http://127.0.0.1:${providerPort}/image`)).status).toBe(200);
    expect((await guarded(`http://127.0.0.1:${providerPort}/big`).catch((e) => e)).reason).toBe('too_large');
    expect((await guarded(`http://127.0.0.1:${providerPort}/html`).catch((e) => e)).reason).toBe('content_type');
  });

  it('tells a timeout after the request was written from a connection that never happened', async () => {
    const guarded = createGuardedFetch({ allowedHosts: ['127.0.0.1'], allowPrivateHosts: ['127.0.0.1'] });
    const hung = await guarded(`http://127.0.0.1:${providerPort}/hang`, { method: 'POST', body: '{"a":1}', timeoutMs: 300 }).catch((e) => e);
    expect(hung).toMatchObject({ reason: 'timeout', requestSent: true });
    const closed = http.createServer();
    const port = await listen(closed);
    await new Promise((r) => closed.close(r));
    const refused = await guarded(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}' }).catch((e) => e);
    expect(refused).toMatchObject({ reason: 'network', requestSent: false });
  });
});
