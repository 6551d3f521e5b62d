import { Injectable } from '@nestjs/common';
import type { z } from 'zod';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { ProviderRegistry } from './provider-registry';
import type { RoleSettings } from '../config/provider-roles';

export interface ChatRequest<T> {
  role: 'llm' | 'vision';
  system: string;
  user: string;
  /** A JPEG for vision models, sent as an image_url data URL beside the text. */
  image?: Buffer;
  /** The answer's JSON shape: sent as response_format json_schema, checked again on arrival. */
  schema: { name: string; json: Record<string, unknown>; parse: z.ZodType<T> };
  signal?: AbortSignal;
}

export interface ChatAnswer<T> {
  value: T;
  model: string;
  tokens: { prompt: number; completion: number };
}

/**
 * Chat completions with a JSON-schema answer, for the llm and vision roles. Servers are not
 * trusted to honour the schema (vLLM does, others may wrap the JSON in prose or fences): the
 * answer is parsed leniently, then validated with zod, and anything else is PROVIDER_ERROR.
 */
@Injectable()
export class ChatApiRepository {
  constructor(private readonly providers: ProviderRegistry) {}

  settings(role: 'llm' | 'vision'): RoleSettings | null {
    return this.providers.settings(role);
  }

  fallsBackFrom(error: unknown): error is DomainException {
    return this.providers.fallsBackFrom(error);
  }

  complete<T>(req: ChatRequest<T>): Promise<ChatAnswer<T>> {
    return this.providers.call(req.role, req.signal, async (client, s) => {
      const res = await client.chat.completions.create(
        {
          model: s.model,
          messages: [
            { role: 'system', content: req.system },
            {
              role: 'user',
              content: req.image
                ? [
                    { type: 'text', text: req.user },
                    { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${req.image.toString('base64')}` } },
                  ]
                : req.user,
            },
          ],
          response_format: { type: 'json_schema', json_schema: { name: req.schema.name, schema: req.schema.json, strict: true } },
        },
        { signal: req.signal },
      );
      const json = lenientJson(res.choices[0]?.message?.content ?? '');
      const parsed = req.schema.parse.safeParse(json);
      if (!parsed.success) {
        const why = json === undefined ? 'no JSON object in the answer' : (parsed.error.issues[0]?.message ?? 'invalid');
        throw new DomainException(
          ErrorCode.PROVIDER_ERROR,
          `the ${req.role} provider (${s.model} at ${s.baseURL ?? 'api.openai.com'}) answered outside the ${req.schema.name} schema: ${why}`,
          { role: req.role },
        );
      }
      return { value: parsed.data, model: s.model, tokens: { prompt: res.usage?.prompt_tokens ?? 0, completion: res.usage?.completion_tokens ?? 0 } };
    }, (answer) => ({ inputTokens: answer.tokens.prompt, outputTokens: answer.tokens.completion }));
  }
}

/** The JSON object in an answer, also when a model wraps it in a ```json fence or a sentence. */
export function lenientJson(content: string): unknown {
  const start = content.indexOf('{');
  const end = content.lastIndexOf('}');
  if (start < 0 || end <= start) return undefined;
  try {
    return JSON.parse(content.slice(start, end + 1));
  } catch {
    return undefined;
  }
}
