// A lean stand-in for the WhatsApp Cloud API's send endpoint (the contract of
// apps/server/test/fakes/graph.ts, without its scripting and logs of whole requests), in its own
// process so the bench's product process keeps its CPU: `POST /{version}/{phone-number-id}/messages`
// answers what Graph answers to an accepted template or text; each arrival's time is kept per
// number. `GET /stats` answers, per number, how many sends arrived, the most in any one-second
// window (sliding, half-open), the first and last arrival and how many recipients got more than one.
// Prints its port, then serves until killed.
import http from 'node:http';

const arrivals = new Map(); // phone-number-id -> { times: number[], to: Map<string, number> }
let sequence = 0;

function peakPerSecond(times) {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  for (let lo = 0, hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi] - sorted[lo] >= 1000) lo++;
    peak = Math.max(peak, hi - lo + 1);
  }
  return peak;
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const at = Date.now();
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/stats') {
      const numbers = {};
      for (const [id, a] of arrivals) {
        numbers[id] = { sends: a.times.length, peakPerSecond: peakPerSecond(a.times), first: Math.min(...a.times), last: Math.max(...a.times), duplicates: [...a.to.values()].filter((n) => n > 1).length };
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(numbers));
    }
    const match = /^\/v[\d.]+\/(\d+)\/messages$/.exec(path);
    if (req.method !== 'POST' || !match) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: { message: 'Unknown path', type: 'OAuthException', code: 100 } }));
    }
    let body = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      // answered below as Graph answers a body without `to`
    }
    if (body.messaging_product !== 'whatsapp' || !body.to) {
      res.writeHead(400, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: { message: '(#100) The parameter to is required.', type: 'OAuthException', code: 100 } }));
    }
    const id = match[1];
    let a = arrivals.get(id);
    if (!a) arrivals.set(id, (a = { times: [], to: new Map() }));
    a.times.push(at);
    a.to.set(body.to, (a.to.get(body.to) ?? 0) + 1);
    const wamid = `wamid.HBgN${Buffer.from(`${body.to}:${++sequence}`).toString('base64url')}`;
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(JSON.stringify({ messaging_product: 'whatsapp', contacts: [{ input: body.to, wa_id: String(body.to).replace(/^\+/, '') }], messages: [{ id: wamid }] }));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
