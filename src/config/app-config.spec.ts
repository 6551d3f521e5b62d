import { describe, it } from 'node:test';
import { expect } from 'expect';
import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('runs on defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 8000, GPU_VRAM_BUDGET_MB: 24576, MODEL_RESIDENCY: 'lru', ORT_EXECUTION_PROVIDERS: ['cpu'] });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.dataDir).toMatch(/data$/);
  });

  it('parses numbers, lists and booleans from strings', () => {
    const config = loadConfig({ PORT: '9001', ORT_EXECUTION_PROVIDERS: 'CUDA, cpu', RUNNER_ENABLED: 'false', MODEL_RESIDENCY: 'jit' });
    expect(config).toMatchObject({ PORT: 9001, ORT_EXECUTION_PROVIDERS: ['cuda', 'cpu'], RUNNER_ENABLED: false, MODEL_RESIDENCY: 'jit' });
  });

  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', MODEL_RESIDENCY: 'sometimes', DATABASE_URL: 'mysql://x', ORT_EXECUTION_PROVIDERS: 'tpu', MAX_BODY_MB: '0' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'MODEL_RESIDENCY', 'DATABASE_URL', 'ORT_EXECUTION_PROVIDERS', 'MAX_BODY_MB']) expect(problems).toContain(name);
    expect((error as ConfigError).problems).toHaveLength(5);
  });

  it('accepts a postgres URL', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/nanococoa' }).DATABASE_URL).toBe('postgres://u:p@db:5432/nanococoa');
  });

  it('checks the security settings and never prints a secret', () => {
    let error: unknown;
    try {
      loadConfig({ API_KEYS: 'a:short-secret', API_KEY: 'also short', WEBHOOK_SECRET: 'not-whsec', WEBHOOK_URL: 'https://hooks.example.com/x', WEBHOOK_ALLOW_PRIVATE: 'maybe' });
    } catch (e) {
      error = e;
    }
    const message = (error as Error).message;
    for (const name of ['API_KEYS', 'API_KEY', 'WEBHOOK_SECRET', 'WEBHOOK_ALLOW_PRIVATE']) expect(message).toContain(name);
    expect(message).not.toMatch(/short-secret|also short|not-whsec/);
  });

  it('requires WEBHOOK_SECRET with WEBHOOK_URL, and takes several secrets while rotating', () => {
    expect(() => loadConfig({ WEBHOOK_URL: 'https://hooks.example.com/x' })).toThrow(/WEBHOOK_SECRET/);
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    expect(loadConfig({ WEBHOOK_URL: 'https://hooks.example.com/x', WEBHOOK_SECRET: `${secret},${secret}` }).WEBHOOK_SECRET).toContain(',');
    expect(loadConfig({ WEBHOOK_RETRY_DELAYS_SEC: '1, 2.5' }).WEBHOOK_RETRY_DELAYS_SEC).toEqual([1, 2.5]);
  });
});
