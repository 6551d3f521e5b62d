import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { WebhookAddressPolicy } from '../common/address-policy';

/** Raised when a hop's address is one the policy refuses (before any byte is sent to it). */
export class ForbiddenAddressError extends Error {
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`${host} is ${address === host ? 'a' : `at ${address}, a`} loopback, private or link-local address`);
    this.name = 'ForbiddenAddressError';
  }
}

export interface GuardedResponse {
  status: number;
  /** Every URL requested, the first one included. */
  hops: string[];
}

export interface GuardedRequest {
  method: 'POST' | 'HEAD';
  headers?: Record<string, string>;
  body?: Buffer;
  timeoutMs: number;
  maxRedirects: number;
  policy: WebhookAddressPolicy;
}

/**
 * One HTTP request whose every connection is checked by the policy at connect time: the DNS
 * answer the socket is about to use goes through the policy in `lookup`, and IP literals (which
 * skip lookup) are checked before connecting. Redirects are followed by hand, each hop checked
 * the same way, re-sending the same method and body.
 */
export async function guardedRequest(url: string, opts: GuardedRequest): Promise<GuardedResponse> {
  const hops: string[] = [];
  let current = new URL(url);
  for (;;) {
    hops.push(current.href);
    const res = await requestOnce(current, opts);
    const location = res.headers.location;
    res.resume(); // the body is not needed; reading it frees the socket
    if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && location) {
      if (hops.length > opts.maxRedirects) throw new Error(`more than ${opts.maxRedirects} redirects`);
      const next = new URL(location, current);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new Error(`a redirect to ${next.protocol} is not followed`);
      current = next;
      continue;
    }
    return { status: res.statusCode ?? 0, hops };
  }
}

function requestOnce(url: URL, opts: GuardedRequest): Promise<IncomingMessage> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && !opts.policy.permits(host)) return Promise.reject(new ForbiddenAddressError(host, host));
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: opts.method,
      headers: { ...opts.headers, ...(opts.body ? { 'content-length': String(opts.body.length) } : {}) },
      lookup: guardedLookup(opts.policy),
      timeout: opts.timeoutMs,
      agent: false,
    });
    req.on('response', resolve);
    req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

function guardedLookup(policy: WebhookAddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 4);
      const refused = addresses.find((a) => !policy.permits(a.address));
      if (refused || addresses.length === 0) {
        return callback(refused ? new ForbiddenAddressError(hostname, refused.address) : new Error(`${hostname} has no address`), '', 4);
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
