import { createHash } from 'node:crypto';
import type { ListedObject } from '../../src/storage/artifact-store';

/** What the artifact stores report for stored bytes. */
export const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

export async function collect(iterable: AsyncIterable<ListedObject>): Promise<ListedObject[]> {
  const out: ListedObject[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** The error `work` rejects with; fails the test when it resolves. */
export async function rejection(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
