import { BlockList, isIP } from 'node:net';

/** Addresses a webhook must not reach by default: this host, private networks, link-local (cloud metadata). */
const PRIVATE_RANGES: Array<[string, number, 'ipv4' | 'ipv6']> = [
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['224.0.0.0', 3, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
];

const BLOCKED = new BlockList();
for (const [network, prefix, type] of PRIVATE_RANGES) BLOCKED.addSubnet(network, prefix, type);

/** What WEBHOOK_ALLOW_PRIVATE says is wrong with it ([] when it is fine). */
export function webhookAllowProblems(values: string[]): string[] {
  if (values.length === 1 && ['true', 'false'].includes(values[0])) return [];
  return values.filter((v) => !parseCidr(v)).map((v) => `WEBHOOK_ALLOW_PRIVATE: "${v}" is neither true, false nor a CIDR such as 10.0.0.0/8`);
}

/**
 * Decides whether a webhook may connect to an address. It is asked for the address the socket
 * is about to use (after DNS), so a name that resolves to a private address, or starts to after
 * the check (DNS rebinding), is refused all the same.
 */
export class WebhookAddressPolicy {
  private readonly allowAll: boolean;
  private readonly allowed = new BlockList();

  constructor(allowPrivate: string[]) {
    this.allowAll = allowPrivate.length === 1 && allowPrivate[0] === 'true';
    for (const value of allowPrivate) {
      const cidr = parseCidr(value);
      if (cidr) this.allowed.addSubnet(cidr.network, cidr.prefix, cidr.type);
    }
  }

  permits(address: string): boolean {
    if (this.allowAll) return true;
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    const mapped = type === 'ipv6' ? /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] : undefined;
    if (mapped) return this.permits(mapped);
    return !BLOCKED.check(address, type) || this.allowed.check(address, type);
  }
}

function parseCidr(value: string): { network: string; prefix: number; type: 'ipv4' | 'ipv6' } | undefined {
  const [network, bits] = value.split('/');
  const version = isIP(network ?? '');
  if (!version) return undefined;
  const prefix = bits === undefined ? (version === 4 ? 32 : 128) : Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > (version === 4 ? 32 : 128)) return undefined;
  return { network, prefix, type: version === 4 ? 'ipv4' : 'ipv6' };
}
