import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { type Row, startServer } from './bench-helpers';

const KEY = 'bench-tenant-secret-0123456789';
const RUNS = 80;

/**
 * What keys, rate limits, the per-key queue check and an Idempotency-Key add to a submit: the
 * same POST /generate to an open server and to one with API_KEYS, sent with a key and a fresh
 * Idempotency-Key, interleaved so both see the same machine. No runner, so only the submit is timed.
 */
export async function benchSecurity(root: string, rows: Row[]): Promise<void> {
  const png = await sharp({ create: { width: 256, height: 256, channels: 3, background: '#c04030' } }).png().toBuffer();
  const body = JSON.stringify({ product_image: `data:image/png;base64,${png.toString('base64')}`, text_content: '오늘만 30%' });
  const quiet = { RUNNER_ENABLED: 'false', RENDER_PREWARM: 'false' };
  const open = await startServer(path.join(root, 's-open'), quiet);
  const keyed = await startServer(path.join(root, 's-keyed'), { ...quiet, API_KEYS: `bench:${KEY}` });
  try {
    const submit = async (url: string, headers: Record<string, string>) => {
      const started = performance.now();
      const res = await fetch(`${url}/generate`, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers } });
      await res.arrayBuffer();
      if (res.status !== 202) throw new Error(`submit answered ${res.status}`);
      return performance.now() - started;
    };
    const plain: number[] = [];
    const guarded: number[] = [];
    const replayed: number[] = [];
    for (let i = 0; i < RUNS + 5; i++) {
      const a = await submit(open.url, {});
      const idem = randomUUID();
      const b = await submit(keyed.url, { Authorization: `Bearer ${KEY}`, 'Idempotency-Key': idem });
      const c = await submit(keyed.url, { Authorization: `Bearer ${KEY}`, 'Idempotency-Key': idem });
      if (i < 5) continue; // warm-up
      plain.push(a);
      guarded.push(b);
      replayed.push(c);
    }
    rows.push({ what: 'submit, no keys (256 px PNG, JSON, no runner)', value: plain, unit: 'ms' });
    rows.push({ what: 'submit with a key and a new Idempotency-Key (rate limits, queue check, key claimed in the insert)', value: guarded, unit: 'ms', target: '<= no keys + 2 ms' });
    rows.push({ what: 'submit retried with the same Idempotency-Key (answered from the stored response)', value: replayed, unit: 'ms' });
  } finally {
    await keyed.stop();
    await open.stop();
  }
}
