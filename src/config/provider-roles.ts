import type { AppConfig } from './app-config';

export const PROVIDER_ROLES = ['image', 'vision', 'llm'] as const;
export type ProviderRole = (typeof PROVIDER_ROLES)[number];

/** One role's server, as the environment configures it (after the OPENAI_* fallback). */
export interface RoleSettings {
  role: ProviderRole;
  /** undefined: api.openai.com */
  baseURL?: string;
  apiKey?: string;
  model: string;
  /** The image role's server kind; chat roles speak plain OpenAI chat. */
  flavor: 'openai' | 'vllm-omni' | 'sglang';
  timeoutMs: number;
  maxRetries: number;
}

/** The models OpenAI itself serves for each role, used when only OPENAI_API_KEY is set. */
const OPENAI_DEFAULTS: Record<ProviderRole, string> = { image: 'gpt-image-1', vision: 'gpt-4.1-mini', llm: 'gpt-5-mini' };

/**
 * The settings of a role, or null when it is not configured (the stage uses its embedded
 * implementation). A role's own variables win; otherwise OPENAI_BASE_URL / OPENAI_API_KEY,
 * with OpenAI's model for the role when nothing names one.
 */
export function roleSettings(config: AppConfig, role: ProviderRole): RoleSettings | null {
  const own = {
    image: [config.IMAGE_API_BASE_URL, config.IMAGE_API_KEY, config.IMAGE_MODEL],
    vision: [config.VISION_API_BASE_URL, config.VISION_API_KEY, config.VISION_MODEL],
    llm: [config.LLM_API_BASE_URL, config.LLM_API_KEY, config.LLM_MODEL],
  }[role];
  const baseURL = own[0] ?? config.OPENAI_BASE_URL;
  const apiKey = own[1] ?? config.OPENAI_API_KEY;
  if (!baseURL && !apiKey) return null;
  const model = own[2] ?? (baseURL ? undefined : OPENAI_DEFAULTS[role]);
  if (!model) return null;
  return {
    role,
    baseURL,
    apiKey,
    model,
    flavor: role === 'image' ? config.IMAGE_API_FLAVOR : 'openai',
    timeoutMs: role === 'image' ? config.IMAGE_API_TIMEOUT_MS : config.CHAT_API_TIMEOUT_MS,
    maxRetries: config.PROVIDER_MAX_RETRIES,
  };
}
