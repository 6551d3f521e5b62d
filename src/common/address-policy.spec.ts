import { describe, it } from 'node:test';
import { expect } from 'expect';
import { WebhookAddressPolicy, webhookAllowProblems } from './address-policy';

describe('WebhookAddressPolicy', () => {
  it('refuses loopback, private, link-local, CGNAT and multicast addresses, IPv4-mapped ones included', () => {
    const policy = new WebhookAddressPolicy(['false']);
    for (const address of ['127.0.0.1', '127.8.9.10', '10.0.0.5', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) {
      expect([address, policy.permits(address)]).toEqual([address, false]);
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8']) {
      expect([address, policy.permits(address)]).toEqual([address, true]);
    }
  });

  it('allows everything with true, or just the listed ranges', () => {
    expect(new WebhookAddressPolicy(['true']).permits('127.0.0.1')).toBe(true);
    const some = new WebhookAddressPolicy(['10.1.0.0/16', '127.0.0.2']);
    expect(some.permits('10.1.2.3')).toBe(true);
    expect(some.permits('10.2.0.1')).toBe(false);
    expect(some.permits('127.0.0.2')).toBe(true);
    expect(some.permits('127.0.0.1')).toBe(false);
  });

  it('reports values that are neither a boolean nor a CIDR', () => {
    expect(webhookAllowProblems(['false'])).toEqual([]);
    expect(webhookAllowProblems(['10.0.0.0/8', 'fd00::/8'])).toEqual([]);
    expect(webhookAllowProblems(['yes', '10.0.0.0/40'])).toHaveLength(2);
  });
});
