import { applyDecorators } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { DocumentBuilder } from '@nestjs/swagger';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from './submission';

/** The Idempotency-Key header of job-creating routes, for Swagger. */
export const ApiIdempotencyKey = () =>
  applyDecorators(
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        `Up to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters (a UUID). The same key and body within 24 hours answer with the first job ` +
        '(header Idempotent-Replayed: true) and make no second one; the same key with another body is 422 IDEMPOTENCY_KEY_REUSED.',
    }),
  );

/** Both ways of sending a key, so Swagger UI's Authorize button offers them. */
export function declareKeySchemes(builder: DocumentBuilder): DocumentBuilder {
  return builder
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Authorization: Bearer KEY (API_KEYS / API_KEY)' }, 'bearer')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'The same key as a header' }, 'api-key')
    .addSecurityRequirements('bearer')
    .addSecurityRequirements('api-key');
}
