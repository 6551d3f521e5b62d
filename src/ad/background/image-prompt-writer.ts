import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { ChatApiRepository } from '../../providers/chat-api.repository';
import type { CameraView } from '../analysis/camera-view';

const SYSTEM =
  'You write prompts for a photographic image model that paints the background of a product advertisement. ' +
  'The product is photographed separately and placed on the scene afterwards, so the scene must be EMPTY: ' +
  'never describe the product, people, hands, text, letters, logos or packaging. ' +
  'Turn the short idea (Korean or English) into one detailed English prompt of 40-90 words: the setting, ' +
  'a surface in the lower third for the product to stand on, materials, colours, light (direction, softness, time of day), ' +
  'camera (lens, depth of field), mood, and "professional product photography". Honour the things to avoid. ' +
  'Answer as JSON: {"prompt": "..."}.';

const ANSWER = z.object({ prompt: z.string().min(20).max(1500) });
const ANSWER_SCHEMA = {
  type: 'object',
  properties: { prompt: { type: 'string', description: 'The English image prompt' } },
  required: ['prompt'],
  additionalProperties: false,
};

export interface WrittenPrompt {
  prompt: string;
  /** "llm:MODEL", or "template" when no LLM is configured or it failed. */
  writer: string;
  /** Why the template was used although an LLM is configured. */
  fallback?: string;
}

/**
 * The seed's prompt engineering: the LLM turns "명절 느낌의 빨간색과 금색" into a rich English
 * prompt for the image model. Without an LLM, or when it fails, a fixed template wraps the idea.
 */
@Injectable()
export class ImagePromptWriter {
  constructor(private readonly chat: ChatApiRepository) {}

  async write(idea: string, avoid: string, signal?: AbortSignal): Promise<WrittenPrompt> {
    if (!this.chat.settings('llm')) return { prompt: templatePrompt(idea), writer: 'template' };
    try {
      const answer = await this.chat.complete({
        role: 'llm',
        system: SYSTEM,
        user: `Idea: ${idea.trim() || 'a clean, softly lit studio backdrop'}\nAvoid: ${avoid.trim() || 'nothing in particular'}`,
        schema: { name: 'image_prompt', json: ANSWER_SCHEMA, parse: ANSWER },
        signal,
      });
      return { prompt: answer.value.prompt.trim(), writer: `llm:${answer.model}` };
    } catch (error) {
      if (!this.chat.fallsBackFrom(error)) throw error; // an abort ends the job; PROVIDER_FALLBACK=fail fails it
      return { prompt: templatePrompt(idea), writer: 'template', fallback: `${error.code}: ${error.message}` };
    }
  }
}

/**
 * The request for an empty product-photo scene. The product is added later, so the model is
 * asked for the stage and not the actor: a surface to stand on, light, and nothing that would
 * compete with the product or the copy.
 */
export function templatePrompt(idea: string): string {
  const scene = idea.trim() || 'a clean, softly lit studio backdrop';
  return (
    `Product photography background: ${scene}. An empty scene with a surface in the lower third for a product to stand on, ` +
    'soft natural light, shallow depth of field, photographic, high detail. No text, no letters, no logos, no people, no products.'
  );
}

/**
 * The camera the product was photographed with, said to the image model in words: a scene seen
 * from another angle than the product never looks like one photograph (a cup seen from above on
 * a table seen from the side).
 */
export function cameraSentence(view: CameraView | undefined, elevationDeg: number | null | undefined): string {
  const angle = elevationDeg != null ? ` about ${Math.round(elevationDeg)} degrees` : '';
  if (view === 'top-down') return ` Camera looking down from${angle || ' high'} above: a flat lay, the surface fills the whole frame, no horizon, no wall.`;
  if (view === 'three-quarter') return ` Camera${angle || ' a little'} above the table: the table top fills most of the frame, its back edge high in the frame.`;
  if (view === 'eye-level') return ' Camera at eye level: the surface in the lower third, the wall or the horizon behind it.';
  return '';
}
