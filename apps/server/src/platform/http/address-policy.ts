import net from 'node:net';

/**
 * Which IP addresses an outbound request to a provider may reach: only globally routable ones.
 * Private, loopback, link-local (cloud metadata at 169.254.169.254), CGNAT, multicast, reserved and
 * documentation ranges are refused, and so is every IPv6 form that embeds an IPv4 address
 * (`::ffff:a.b.c.d`, `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) when the embedded address
 * would be refused. URL parsing already turns `2130706433`, `0177.0.0.1` and `0x7f.1` into
 * `127.0.0.1`; `canonicalHost` covers the bracketed IPv6 spellings.
 */
const IPV4_REFUSED: [string, number][] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];

const ipv4Refused = new net.BlockList();
for (const [prefix, bits] of IPV4_REFUSED) ipv4Refused.addSubnet(prefix, bits, 'ipv4');

/** Parses an IPv6 address (any spelling Node accepts) into 16 bytes. */
function ipv6Bytes(address: string): number[] | null {
  if (net.isIPv6(address) === false) return null;
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  // A trailing dotted quad becomes two groups.
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const parts = quad[1]!.split('.').map(Number);
    text = text.slice(0, -quad[1]!.length) + `${((parts[0]! << 8) | parts[1]!).toString(16)}:${((parts[2]! << 8) | parts[3]!).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = tail === null ? headGroups : [...headGroups, ...Array(missing).fill('0'), ...tailGroups];
  if (groups.length !== 8) return null;
  return groups.flatMap((g) => {
    const n = parseInt(g || '0', 16);
    return [n >> 8, n & 0xff];
  });
}

const startsWith = (bytes: number[], prefix: number[], bits: number) => {
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3;
    const mask = 0x80 >> (i & 7);
    if ((bytes[byte]! & mask) !== (prefix[byte]! & mask)) return false;
  }
  return true;
};

const v4 = (b: number[], at: number) => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;

/** Why an address may not be reached, or null when it is a public unicast address. */
export function refusedAddressReason(address: string): string | null {
  const family = net.isIP(address);
  if (family === 4) return ipv4Refused.check(address, 'ipv4') ? `non-public IPv4 address ${address}` : null;
  if (family !== 6) return `not an IP address: ${address}`;
  const b = ipv6Bytes(address);
  if (!b) return `unreadable IPv6 address ${address}`;
  const zero = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  // IPv4-mapped (::ffff:0:0/96), IPv4-translated (::ffff:0:0:0/96) and IPv4-compatible (::/96).
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) return embedded(v4(b, 12), address);
  if (zero(0, 8) && b[8] === 0xff && b[9] === 0xff && zero(10, 12)) return embedded(v4(b, 12), address);
  if (zero(0, 12)) return `non-public IPv6 address ${address}`; // ::, ::1 and the deprecated compatible form
  // NAT64 (64:ff9b::/96 and the local-use 64:ff9b:1::/48).
  if (startsWith(b, [0x00, 0x64, 0xff, 0x9b], 32)) return embedded(v4(b, 12), address);
  // 6to4 (2002::/16) carries an IPv4 address in bytes 2..5.
  if (b[0] === 0x20 && b[1] === 0x02) return embedded(v4(b, 2), address);
  // Only global unicast (2000::/3) is public; inside it, Teredo, documentation and ORCHID are not.
  if ((b[0]! & 0xe0) !== 0x20) return `non-public IPv6 address ${address}`; // ULA fc00::/7, link-local fe80::/10, multicast ff00::/8…
  if (startsWith(b, [0x20, 0x01, 0x00, 0x00], 32)) return `non-public IPv6 address ${address}`; // Teredo
  if (startsWith(b, [0x20, 0x01, 0x0d, 0xb8], 32)) return `non-public IPv6 address ${address}`; // documentation
  if (startsWith(b, [0x20, 0x01, 0x00, 0x10], 28) || startsWith(b, [0x20, 0x01, 0x00, 0x20], 28)) return `non-public IPv6 address ${address}`; // ORCHID
  return null;
}

function embedded(ipv4: string, original: string): string | null {
  return ipv4Refused.check(ipv4, 'ipv4') ? `non-public address ${original} (embeds ${ipv4})` : null;
}

/** A URL's host as an address or name: brackets removed, lower case, no trailing dot. */
export function canonicalHost(hostname: string): string {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return bare.toLowerCase().replace(/\.$/, '');
}

/** `graph.facebook.com` matches itself; `*.fbcdn.net` matches any name below fbcdn.net. */
export function hostAllowed(host: string, allowed: readonly string[]): boolean {
  return allowed.some((pattern) => {
    const p = pattern.toLowerCase();
    return p.startsWith('*.') ? host.endsWith(p.slice(1)) && host.length > p.length - 1 : host === p;
  });
}
