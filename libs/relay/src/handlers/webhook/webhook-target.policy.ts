import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** Which webhook targets are allowed besides public addresses. */
export interface WebhookTargetOptions {
  /** Allow loopback, private, link-local and unique-local targets (local development, tests). */
  allowPrivate?: boolean;
  /** Host names (or `*.suffix` patterns, or IP literals) allowed whatever they resolve to. */
  allowedHosts?: readonly string[];
}

/** Why an address is not a public one, or undefined when it is. */
const RANGES: readonly [string, number, 'ipv4' | 'ipv6', string][] = [
  ['0.0.0.0', 8, 'ipv4', 'an unspecified address'],
  ['127.0.0.0', 8, 'ipv4', 'a loopback address'],
  ['10.0.0.0', 8, 'ipv4', 'a private address'],
  ['172.16.0.0', 12, 'ipv4', 'a private address'],
  ['192.168.0.0', 16, 'ipv4', 'a private address'],
  ['100.64.0.0', 10, 'ipv4', 'a shared (carrier-grade NAT) address'],
  ['169.254.0.0', 16, 'ipv4', 'a link-local (cloud metadata) address'],
  ['192.0.0.0', 24, 'ipv4', 'a reserved address'],
  ['198.18.0.0', 15, 'ipv4', 'a benchmarking address'],
  ['224.0.0.0', 4, 'ipv4', 'a multicast address'],
  ['240.0.0.0', 4, 'ipv4', 'a reserved address'],
  ['::', 128, 'ipv6', 'an unspecified address'],
  ['::1', 128, 'ipv6', 'a loopback address'],
  ['fc00::', 7, 'ipv6', 'a unique-local address'],
  ['fe80::', 10, 'ipv6', 'a link-local address'],
  ['fec0::', 10, 'ipv6', 'a site-local address'],
  ['ff00::', 8, 'ipv6', 'a multicast address'],
  ['64:ff9b::', 96, 'ipv6', 'a NAT64 address'],
  ['2001:db8::', 32, 'ipv6', 'a documentation address'],
];

const BLOCKS = RANGES.map(([network, prefix, type, reason]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, type);
  return { list, type, reason };
});

/** The IPv4 address inside an IPv4-mapped or -compatible IPv6 address (`::ffff:127.0.0.1`). */
function embeddedIpv4(address: string): string | undefined {
  // The URL parser writes IPv6 in its canonical compressed form, with the IPv4 part in hex.
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const match = /^::(?:ffff:)?([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (!match) {
    return undefined;
  }
  const high = parseInt(match[1], 16);
  const low = parseInt(match[2], 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** Why an IP address may not be a webhook target by default; undefined for a public address. */
export function nonPublicReason(address: string): string | undefined {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 0) {
    return 'not an IP address';
  }
  const ipv4 = family === 4 ? bare : embeddedIpv4(bare);
  if (ipv4) {
    return BLOCKS.find(({ list, type }) => type === 'ipv4' && list.check(ipv4, 'ipv4'))?.reason;
  }
  return BLOCKS.find(({ list, type }) => type === 'ipv6' && list.check(bare, 'ipv6'))?.reason;
}

export class WebhookTargetRefused extends Error {
  override readonly name = 'WebhookTargetRefused';
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * Where webhooks may be sent. By default only to public addresses: a subscription must not turn
 * Change Relay into a proxy to its own network (loopback, private ranges, cloud metadata). The
 * check runs when a subscription is written (checkUrl) and again on every connection (the HTTP
 * agent's lookup), so a name that resolves to a public address at creation and to a private one
 * later (DNS rebinding) is still refused.
 */
export class WebhookTargetPolicy {
  private readonly allowPrivate: boolean;
  private readonly allowedHosts: readonly string[];

  constructor(options: WebhookTargetOptions = {}) {
    this.allowPrivate = options.allowPrivate ?? false;
    this.allowedHosts = (options.allowedHosts ?? []).map((host) => host.toLowerCase());
  }

  /** Why the URL may not be a webhook target, resolving its host name; undefined when allowed. */
  async checkUrl(url: string, timeoutMs = 3_000): Promise<string | undefined> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return 'is not a valid URL';
    }
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    if (this.isOpen(parsed)) {
      return undefined;
    }
    if (isIP(host)) {
      return this.addressReason(host);
    }
    const addresses = await resolveAll(host, timeoutMs);
    if (addresses === undefined) {
      // Unresolvable now (or slow): allowed, since every connection is checked again.
      return undefined;
    }
    for (const address of addresses) {
      const reason = this.addressReason(address);
      if (reason) {
        return `${host} resolves to ${reason}`;
      }
    }
    return undefined;
  }

  /** Throws WebhookTargetRefused when a connection to this URL's literal address is not allowed. */
  assertLiteralAllowed(url: URL): void {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!this.isOpen(url) && isIP(host)) {
      const reason = this.addressReason(host);
      if (reason) {
        throw new WebhookTargetRefused(`webhook target ${reason}`);
      }
    }
  }

  /** A dns.lookup for an HTTP agent that fails when the host resolves to a refused address. */
  lookupFor(url: URL) {
    const open = this.isOpen(url);
    return (hostname: string, options: object, callback: LookupCallback): void => {
      dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
        if (error) {
          callback(error, []);
          return;
        }
        const refused = open
          ? undefined
          : addresses.map(({ address }) => this.addressReason(address)).find(Boolean);
        if (refused) {
          callback(new WebhookTargetRefused(`${hostname} resolves to ${refused}`), []);
          return;
        }
        if ((options as { all?: boolean }).all) {
          callback(null, addresses);
        } else {
          callback(null, addresses[0].address, addresses[0].family);
        }
      });
    };
  }

  private addressReason(address: string): string | undefined {
    const reason = nonPublicReason(address);
    return reason ? `${address}, ${reason}` : undefined;
  }

  private isOpen(url: URL): boolean {
    if (this.allowPrivate) {
      return true;
    }
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    return this.allowedHosts.some((allowed) => {
      const [name, port] = allowed.split(/:(?=\d+$)/);
      if (port !== undefined && port !== (url.port || defaultPort(url))) {
        return false;
      }
      return name.startsWith('*.') ? host.endsWith(name.slice(1)) : host === name;
    });
  }
}

function defaultPort(url: URL): string {
  return url.protocol === 'https:' ? '443' : '80';
}

function resolveAll(host: string, timeoutMs: number): Promise<string[] | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    dnsLookup(host, { all: true }, (error, addresses) => {
      clearTimeout(timer);
      resolve(error ? undefined : addresses.map(({ address }) => address));
    });
  });
}
