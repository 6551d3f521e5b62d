import { AsyncLocalStorage } from 'node:async_hooks';
import type { AppConfig } from '../config/app-config';
import type { ProviderRole } from '../config/provider-roles';

/** One provider call as a job's metrics list it. */
export interface ProviderCall {
  /** A chat or image role, or the layered decomposition endpoint. */
  role: ProviderRole | 'layered';
  model: string;
  ms: number;
  ok: boolean;
  input_tokens: number;
  output_tokens: number;
  images: number;
}

/** What a call used, as the answer reports it. */
export interface CallUsage {
  inputTokens?: number;
  outputTokens?: number;
  images?: number;
}

const store = new AsyncLocalStorage<ProviderCall[]>();

/**
 * Which job a provider call belongs to, without threading a collector through every stage: a
 * job runs inside `collectProviderCalls`, and the registry records each call into the list of
 * whatever job is running in that async context.
 */
export async function collectProviderCalls<T>(work: () => Promise<T>): Promise<{ value: T; calls: ProviderCall[] }> {
  const calls: ProviderCall[] = [];
  const value = await store.run(calls, work);
  return { value, calls };
}

export function recordProviderCall(call: ProviderCall): void {
  store.getStore()?.push(call);
}

/** The job's `metrics.providers`: every call, totals per role, and the cost when PRICE_* are set. */
export function providerMetrics(calls: ProviderCall[], config: AppConfig): Record<string, unknown> {
  const byRole: Record<string, { calls: number; failures: number; ms: number; input_tokens: number; output_tokens: number; images: number }> = {};
  for (const c of calls) {
    const t = (byRole[c.role] ??= { calls: 0, failures: 0, ms: 0, input_tokens: 0, output_tokens: 0, images: 0 });
    t.calls += 1;
    t.failures += c.ok ? 0 : 1;
    t.ms += c.ms;
    t.input_tokens += c.input_tokens;
    t.output_tokens += c.output_tokens;
    t.images += c.images;
  }
  const priced = [config.PRICE_PER_IMAGE_USD, config.PRICE_PER_1M_INPUT_TOKENS_USD, config.PRICE_PER_1M_OUTPUT_TOKENS_USD].some((p) => p !== undefined);
  const cost = calls.reduce(
    (sum, c) =>
      sum +
      c.images * (config.PRICE_PER_IMAGE_USD ?? 0) +
      (c.input_tokens / 1e6) * (config.PRICE_PER_1M_INPUT_TOKENS_USD ?? 0) +
      (c.output_tokens / 1e6) * (config.PRICE_PER_1M_OUTPUT_TOKENS_USD ?? 0),
    0,
  );
  return { calls, totals: byRole, ...(priced ? { estimated_cost_usd: Math.round(cost * 1e6) / 1e6 } : {}) };
}
