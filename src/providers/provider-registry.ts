import { Injectable } from '@nestjs/common';
import OpenAI, { APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { DomainException, isDomainException, JobAbortedError } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { AppConfig } from '../config/app-config';
import { PROVIDER_ROLES, type ProviderRole, type RoleSettings, roleSettings } from '../config/provider-roles';
import { type CallUsage, recordProviderCall } from './provider-usage';

/** A role as /health and /system show it. */
export interface RoleStatus {
  role: ProviderRole;
  configured: boolean;
  provider: string | null;
  base_url: string | null;
  model: string | null;
  calls: number;
  failures: number;
  input_tokens: number;
  output_tokens: number;
  images: number;
  last_error: { at: string; code: ErrorCode; message: string } | null;
}

interface Role {
  settings: RoleSettings;
  client: OpenAI;
  status: RoleStatus;
}

/**
 * One official openai SDK client per configured role (image, vision, llm), with each role's
 * timeout and retries (the SDK retries 408/409/429/5xx, honouring Retry-After). `call` runs a
 * request with the job's AbortSignal, counts it, and turns SDK errors into domain codes.
 */
@Injectable()
export class ProviderRegistry {
  private readonly roles = new Map<ProviderRole, Role>();
  private readonly fallback: AppConfig['PROVIDER_FALLBACK'];

  constructor(config: AppConfig) {
    this.fallback = config.PROVIDER_FALLBACK;
    for (const role of PROVIDER_ROLES) {
      const settings = roleSettings(config, role);
      if (!settings) continue;
      const client = new OpenAI({
        baseURL: settings.baseURL,
        // Self-hosted servers often need no key; the SDK insists on one.
        apiKey: settings.apiKey ?? 'none',
        timeout: settings.timeoutMs,
        maxRetries: settings.maxRetries,
      });
      this.roles.set(role, { settings, client, status: blankStatus(role, settings) });
    }
  }

  settings(role: ProviderRole): RoleSettings | null {
    return this.roles.get(role)?.settings ?? null;
  }

  /** PROVIDER_FALLBACK=embedded and a provider failure: the stage goes on without the provider. */
  fallsBackFrom(error: unknown): error is DomainException {
    return this.fallback === 'embedded' && isProviderFailure(error);
  }

  /**
   * Runs one request on the role's client. `usage` reads what the answer says it used (tokens,
   * images); the call is counted on the role and in the running job's metrics.
   */
  async call<T>(
    role: ProviderRole,
    signal: AbortSignal | undefined,
    request: (client: OpenAI, settings: RoleSettings) => Promise<T>,
    usage: (value: T) => CallUsage = () => ({}),
  ): Promise<T> {
    const entry = this.roles.get(role);
    if (!entry) throw new DomainException(ErrorCode.INTERNAL, `the ${role} provider is not configured`);
    const started = performance.now();
    const record = (ok: boolean, used: CallUsage) => {
      const call = { role, model: entry.settings.model, ms: Math.round(performance.now() - started), ok, input_tokens: used.inputTokens ?? 0, output_tokens: used.outputTokens ?? 0, images: used.images ?? 0 };
      entry.status.calls += 1;
      entry.status.input_tokens += call.input_tokens;
      entry.status.output_tokens += call.output_tokens;
      entry.status.images += call.images;
      recordProviderCall(call);
    };
    try {
      const value = await request(entry.client, entry.settings);
      record(true, usage(value));
      return value;
    } catch (error) {
      record(false, {});
      if (error instanceof APIUserAbortError || signal?.aborted) throw new JobAbortedError();
      const domain = toDomain(role, entry.settings, error);
      entry.status.failures += 1;
      entry.status.last_error = { at: new Date().toISOString(), code: domain.code, message: domain.message };
      throw domain;
    }
  }

  status(): RoleStatus[] {
    return PROVIDER_ROLES.map((role) => this.roles.get(role)?.status ?? blankStatus(role, null));
  }
}

function blankStatus(role: ProviderRole, settings: RoleSettings | null): RoleStatus {
  return {
    role,
    configured: settings !== null,
    provider: settings ? (settings.baseURL ? `${settings.flavor} at ${new URL(settings.baseURL).host}` : 'openai') : null,
    base_url: settings?.baseURL ?? null,
    model: settings?.model ?? null,
    calls: 0,
    failures: 0,
    input_tokens: 0,
    output_tokens: 0,
    images: 0,
    last_error: null,
  };
}

/** SDK errors as the codes clients switch on; the message names the role, server and model. */
function toDomain(role: ProviderRole, s: RoleSettings, error: unknown): DomainException {
  const where = `the ${role} provider (${s.model} at ${s.baseURL ?? 'api.openai.com'})`;
  if (error instanceof APIConnectionTimeoutError) {
    return new DomainException(ErrorCode.PROVIDER_TIMEOUT, `${where} did not answer within ${s.timeoutMs} ms`, { role });
  }
  if (error instanceof APIError) {
    const body = error.error as { code?: string; message?: string } | undefined;
    const detail = body?.message ?? error.message;
    if (error.status === 401 || error.status === 403) {
      return new DomainException(ErrorCode.PROVIDER_UNAUTHORIZED, `${where} refused the key (${error.status}): ${detail}`, { role, status: error.status });
    }
    if (/moderation|content_policy|safety/i.test(`${body?.code ?? ''} ${detail}`)) {
      return new DomainException(ErrorCode.PROVIDER_REFUSED, `${where} refused the request: ${detail}`, { role, status: error.status });
    }
    return new DomainException(ErrorCode.PROVIDER_ERROR, `${where} failed (${error.status ?? 'no status'}): ${detail}`, { role, status: error.status });
  }
  if (error instanceof DomainException) return error;
  return new DomainException(ErrorCode.PROVIDER_ERROR, `${where} failed: ${(error as Error)?.message ?? String(error)}`, { role });
}

const PROVIDER_FAILURES = new Set<string>([ErrorCode.PROVIDER_ERROR, ErrorCode.PROVIDER_TIMEOUT, ErrorCode.PROVIDER_REFUSED, ErrorCode.PROVIDER_UNAUTHORIZED]);

/** A provider call that failed (as opposed to the job being stopped or our own bug). */
function isProviderFailure(error: unknown): error is DomainException {
  return isDomainException(error) && PROVIDER_FAILURES.has(error.code);
}
