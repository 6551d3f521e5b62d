import { describe, it } from 'node:test';
import { expect } from 'expect';
import { loadConfig } from './app-config';
import { requestSize } from '../providers/image-api.repository';
import { roleSettings } from './provider-roles';

describe('roleSettings', () => {
  it('leaves every role unconfigured by default: the embedded stages run', () => {
    const config = loadConfig({});
    for (const role of ['image', 'vision', 'llm'] as const) expect(roleSettings(config, role)).toBeNull();
  });

  it("falls back to OPENAI_API_KEY with OpenAI's model for each role", () => {
    const config = loadConfig({ OPENAI_API_KEY: 'sk-x' });
    expect(roleSettings(config, 'image')).toMatchObject({ apiKey: 'sk-x', model: 'gpt-image-1', flavor: 'openai', baseURL: undefined });
    expect(roleSettings(config, 'llm')).toMatchObject({ model: 'gpt-5-mini', timeoutMs: 60_000, maxRetries: 2 });
  });

  it("takes a role's own server and model over the fallback", () => {
    const config = loadConfig({ OPENAI_API_KEY: 'sk-x', VISION_API_BASE_URL: 'http://vllm:8000/v1', VISION_MODEL: 'Qwen/Qwen2.5-VL-7B-Instruct' });
    expect(roleSettings(config, 'vision')).toMatchObject({ baseURL: 'http://vllm:8000/v1', apiKey: 'sk-x', model: 'Qwen/Qwen2.5-VL-7B-Instruct' });
  });

  it("refuses at boot a role's own server without a model; a shared server serves only the roles given a model", () => {
    expect(() => loadConfig({ IMAGE_API_BASE_URL: 'http://omni:8091/v1' })).toThrow(/IMAGE_MODEL/);
    const shared = loadConfig({ OPENAI_BASE_URL: 'http://vllm:8000/v1', LLM_MODEL: 'qwen' });
    expect(roleSettings(shared, 'llm')).toMatchObject({ baseURL: 'http://vllm:8000/v1', model: 'qwen' });
    expect(roleSettings(shared, 'image')).toBeNull();
  });
});

describe('requestSize', () => {
  it('picks the nearest of the three GPT image sizes', () => {
    expect(requestSize('openai', 1080, 1080)).toBe('1024x1024');
    expect(requestSize('openai', 1080, 1350)).toBe('1024x1536');
    expect(requestSize('openai', 1200, 628)).toBe('1536x1024');
  });

  it('keeps the aspect for FLUX servers, in multiples of 16, at about a megapixel at most', () => {
    expect(requestSize('vllm-omni', 1024, 1024)).toBe('1024x1024');
    const [w, h] = requestSize('sglang', 1200, 628).split('x').map(Number);
    expect([w % 16, h % 16]).toEqual([0, 0]);
    expect(w * h).toBeLessThanOrEqual(1_200_000);
    expect(Math.abs(w / h - 1200 / 628)).toBeLessThan(0.03);
  });
});
