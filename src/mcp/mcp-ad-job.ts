import { inputRequired, inputResponse, type CallToolResult } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { Principal } from '../auth/principal';
import type { JobStatusDto } from '../jobs/dto/job-status.dto';
import type { JobsService } from '../jobs/jobs.service';
import { artifactUri, thumbnail } from './mcp-images';
import { JOB_OUTPUT } from './mcp-job-wait';
import { requestCapabilities, type ToolExtra } from './mcp-tool.types';

// The pieces of generate_ad_image and check_generation_status: their output, their result, the copy question.

const final = z.looseObject({ placement: z.string(), width: z.number(), height: z.number(), final_url: z.string().nullable(), variant: z.number(), rank: z.number().nullable() });
/** An ad job's state: what generate_ad_image and check_generation_status return. */
export const AD_JOB_OUTPUT = {
  ...JOB_OUTPUT,
  progress_percent: z.number().optional(),
  current_step: z.string().nullable().optional(),
  message: z.string().optional(),
  eta_seconds: z.number().nullable().optional(),
  finals: z.array(final).optional().describe('One per placement and variant, best first; final_url is a signed link'),
  result: z.record(z.string(), z.unknown()).nullable().optional().describe('What the stages reported: quality, backdrop, view...'),
};

/** What generate_ad_image asks a client that can show a form when the call carries no copy. */
const COPY_QUESTION = z.object({
  text_content: z.string().max(200).describe('The ad copy, e.g. "명절 특가! 사과 한 박스 20,000원". Leave it empty for an ad without text.'),
});

/** An ad job's result: text for the model, a thumbnail per final for the user, links to the full files. */
export async function adJobResult(jobs: JobsService, status: JobStatusDto, principal: Principal): Promise<CallToolResult> {
  const content: CallToolResult['content'] = [];
  const done = status.status === 'completed';
  const eta = status.eta_seconds !== null && !done ? `, about ${Math.ceil(status.eta_seconds)} s left` : '';
  content.push({
    type: 'text',
    text: `Job ${status.job_id}: ${status.status} (${Math.round(status.progress_percent)}%${eta}). ${status.message}` +
      (status.error ? ` Error ${status.error.code}: ${status.error.message}` : ''),
  });
  for (const final of done ? status.finals : []) {
    const name = final.final_url?.split('?')[0].split('/').pop();
    if (!name) continue;
    const png = await jobs.readArtifact(await jobs.artifact(status.job_id, decodeURIComponent(name), principal));
    content.push({ type: 'image', ...(await thumbnail(png)) });
    content.push({
      type: 'resource_link',
      uri: artifactUri(status.job_id, decodeURIComponent(name)),
      name: final.placement === `${final.width}x${final.height}` ? `${final.placement} ad` : `${final.placement} ad (${final.width}x${final.height})`,
      mimeType: 'image/png',
      description: `Full-resolution file; also at ${final.final_url} (a signed link, no key needed until it expires)`,
    });
  }
  const { job_id, progress_percent, current_step, message, eta_seconds, error, finals, result } = status;
  return {
    content,
    isError: status.status === 'error' ? true : undefined,
    structuredContent: { job_id, status: status.status, progress_percent, current_step, message, eta_seconds, error, finals, result },
  };
}

/**
 * A call without text_content from a client that can answer a form: ask for the copy (an empty
 * answer or a decline makes an ad without text). Everyone else gets today's ad without text.
 */
export function askForCopy(args: Record<string, unknown>, extra: ToolExtra): { ask: ReturnType<typeof inputRequired> } | { args: Record<string, unknown> } {
  if (args.text_content !== undefined) return { args };
  const answer = inputResponse(extra.mcpReq.inputResponses, 'copy');
  if (answer.kind === 'elicit') {
    const copy = answer.action === 'accept' ? COPY_QUESTION.safeParse(answer.content ?? {}) : undefined;
    return { args: { ...args, text_content: copy?.success ? copy.data.text_content : '' } };
  }
  if (!requestCapabilities(extra)?.elicitation) return { args };
  const message = 'What should the ad say? A short line, e.g. a sale and its price. Leave it empty for an ad without text.';
  return { ask: inputRequired({ inputRequests: { copy: inputRequired.elicit({ message, requestedSchema: COPY_QUESTION }) } }) };
}
