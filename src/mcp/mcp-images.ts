import sharp from 'sharp';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { bytesFromBase64 } from '../common/images/image-input';
import type { Principal } from '../auth/principal';
import type { JobsService } from '../jobs/jobs.service';

/** The MCP resource URI of a job file: what clients pass back to read it. */
export const artifactUri = (jobId: string, name: string) => `nanococoa://jobs/${jobId}/${name}`;

const ARTIFACT = /(?:^nanococoa:\/\/jobs\/|\/jobs\/)([0-9a-f-]{36})(?:\/artifacts)?\/([A-Za-z0-9][A-Za-z0-9._-]*)$/i;

/**
 * An image argument: base64, a data URL, or a file of an earlier job (its nanococoa:// URI or
 * its /jobs/{id}/artifacts/{name} URL), so an agent can chain jobs without moving bytes.
 */
export async function imageArgument(value: string, field: string, jobs: JobsService, principal: Principal): Promise<Buffer> {
  const ref = ARTIFACT.exec(value.trim().split('?')[0]);
  if (ref) {
    const artifact = await jobs.artifact(ref[1], decodeURIComponent(ref[2]), principal);
    return jobs.readArtifact(artifact);
  }
  if (/^https?:\/\//i.test(value)) {
    throw new DomainException(ErrorCode.INVALID_IMAGE, `${field}: only files of this server's jobs can be fetched by URL; send other images as base64`, {
      field,
    });
  }
  return bytesFromBase64(value, field);
}

/** A thumbnail small enough to show inline in a chat (<= 256 KB), as base64 JPEG. */
export async function thumbnail(png: Buffer, maxBytes = 256 * 1024): Promise<{ data: string; mimeType: string }> {
  for (const [side, quality] of [[768, 82], [512, 78], [384, 70], [256, 60]] as const) {
    const jpeg = await sharp(png).flatten({ background: '#ffffff' }).resize(side, side, { fit: 'inside' }).jpeg({ quality, mozjpeg: true }).toBuffer();
    if (jpeg.length <= maxBytes) return { data: jpeg.toString('base64'), mimeType: 'image/jpeg' };
  }
  throw new Error('thumbnail stayed over the size limit');
}
