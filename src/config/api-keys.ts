import { createHash, timingSafeEqual } from 'node:crypto';

/** One configured key: its name is what jobs record and logs show; the secret never leaves here. */
export interface ApiKey {
  name: string;
  secret: string;
  admin: boolean;
}

const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const SECRET = /^[^\s,:]{16,512}$/;

/**
 * Parses API_KEYS ("name:secret[:admin]", comma separated) and the API_KEY shorthand (one
 * admin key named "admin"). Returns the problems instead of throwing, for the config check;
 * a problem names the entry by its position and name, never by its secret.
 */
export function parseApiKeys(apiKeys: string | undefined, apiKey: string | undefined): { keys: ApiKey[]; problems: string[] } {
  const keys: ApiKey[] = [];
  const problems: string[] = [];
  const entries = (apiKeys ?? '').split(',').map((e) => e.trim()).filter(Boolean);
  entries.forEach((entry, i) => {
    const [name = '', secret = '', role, ...rest] = entry.split(':');
    const label = `entry ${i + 1}${NAME.test(name) ? ` (${name})` : ''}`;
    if (!NAME.test(name)) problems.push(`${label}: the name must be 1-64 characters of A-Z a-z 0-9 . _ -`);
    else if (!SECRET.test(secret)) problems.push(`${label}: the secret must be at least 16 characters without spaces, commas or colons`);
    else if (rest.length > 0 || (role !== undefined && role !== 'admin')) problems.push(`${label}: write name:secret or name:secret:admin`);
    else keys.push({ name, secret, admin: role === 'admin' });
  });
  if (apiKey !== undefined) {
    if (!SECRET.test(apiKey)) problems.push('API_KEY must be at least 16 characters without spaces, commas or colons');
    else keys.push({ name: 'admin', secret: apiKey, admin: true });
  }
  const names = new Set<string>();
  const secrets = new Set<string>();
  for (const key of keys) {
    if (names.has(key.name)) problems.push(`the name "${key.name}" is used twice${key.name === 'admin' ? ' (API_KEY is the key named admin)' : ''}`);
    if (secrets.has(key.secret)) problems.push(`the key "${key.name}" has the same secret as another key`);
    names.add(key.name);
    secrets.add(key.secret);
  }
  return { keys, problems };
}

/**
 * Finds the key a request presented. Every key is compared, in constant time, on SHA-256
 * digests (equal lengths), so neither which key matched nor how much of one did shows in timing.
 */
export class ApiKeyMatcher {
  private readonly digests: Array<{ key: ApiKey; digest: Buffer }>;

  constructor(readonly keys: readonly ApiKey[]) {
    this.digests = keys.map((key) => ({ key, digest: sha256(key.secret) }));
  }

  get enabled(): boolean {
    return this.keys.length > 0;
  }

  match(given: string | undefined): ApiKey | undefined {
    if (!given) return undefined;
    const digest = sha256(given);
    let found: ApiKey | undefined;
    for (const entry of this.digests) if (timingSafeEqual(entry.digest, digest)) found = entry.key;
    return found;
  }
}

const sha256 = (value: string) => createHash('sha256').update(value).digest();
