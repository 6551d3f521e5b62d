import { type DynamicModule, Logger, type LogLevel, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { setupAdminViews } from './admin/admin-views';
import { AppModule } from './app.module';
import { declareKeySchemes } from './auth/api-docs';
import { ErrorEnvelopeFilter } from './common/errors/error.filter';
import { JSON_TYPE, parseJsonBody } from './common/json-body';
import { createValidationPipe } from './common/validation';
import { AppConfig, loadConfig } from './config/app-config';

const LEVELS: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];

/** Builds the HTTP app exactly as production runs it; e2e tests use the same function. */
export async function createApp(config: AppConfig = loadConfig(), extra: Array<Type | DynamicModule> = []): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, extra), {
    bodyParser: false,
    logger: LEVELS.slice(0, LEVELS.indexOf(config.LOG_LEVEL) + 1),
  });
  app.useBodyParser('raw', { type: JSON_TYPE, limit: `${config.MAX_BODY_MB}mb` });
  app.use(parseJsonBody);
  app.useBodyParser('urlencoded', { limit: `${config.MAX_BODY_MB}mb`, extended: true });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ErrorEnvelopeFilter());
  app.disable('x-powered-by');
  // Express would hash every JSON body for a weak ETag: a /status answer with its images is ~2 MB,
  // polled by many clients. Files carry their own strong ETag (sha256, src/storage/artifact-download.ts).
  app.set('etag', false);
  app.set('trust proxy', trustProxy(config.TRUST_PROXY));
  app.use(securityHeaders());
  // Browsers may call the API only from the origins an operator lists; keys never go in cookies,
  // so CORS is about which sites may use a key a page holds.
  if (config.CORS_ORIGINS.length) app.enableCors({ origin: config.CORS_ORIGINS, exposedHeaders: EXPOSED_HEADERS, maxAge: 600 });
  setupAdminViews(app);
  setupSwagger(app);
  return app;
}

function trustProxy(value: string): boolean | number | string {
  if (value === 'true' || value === 'false') return value === 'true';
  return /^\d+$/.test(value) ? Number(value) : value;
}

const EXPOSED_HEADERS = ['RateLimit', 'RateLimit-Policy', 'Retry-After', 'Idempotent-Replayed', 'ETag', 'Content-Range'];

/**
 * helmet's headers for the API and the admin pages. The admin pages load their own script and
 * stylesheet, show job images as data: URLs, and use inline style attributes (bar widths);
 * Swagger UI's files come from /docs itself.
 */
function securityHeaders() {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: { 'img-src': ["'self'", 'data:', 'blob:'], 'style-src': ["'self'", "'unsafe-inline'"], 'connect-src': ["'self'"] },
    },
    crossOriginResourcePolicy: { policy: 'same-site' },
    strictTransportSecurity: false, // TLS ends at the operator's proxy, which sets HSTS for its own domain
  });
}

function setupSwagger(app: NestExpressApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    declareKeySchemes(
      new DocumentBuilder()
      .setTitle('nanoCocoa')
      .setDescription(
        'Product photo + ad copy in, finished ad out. Submit with POST /generate, follow GET /status/{job_id}. ' +
          'Errors always come as {"error": {"code", "message", "details", "timestamp"}}. With API_KEYS or API_KEY set, every route ' +
          'but GET /health and signed file links needs a key: Authorization: Bearer KEY or X-API-Key: KEY (docs/security.md).',
      )
      .setVersion('0.1.0'),
    ).build(),
  );
  markUploads(document);
  // GET /health needs no key; a signed file link needs none either (a key works instead).
  const health = document.paths['/health']?.get;
  if (health) health.security = [];
  const artifact = document.paths['/jobs/{job_id}/artifacts/{name}']?.get;
  if (artifact) artifact.security = [{}, { bearer: [] }, { 'api-key': [] }];
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', customSiteTitle: 'nanoCocoa API' });
}

/** In the multipart form of /generate the images are files, so Swagger UI offers a file picker. */
function markUploads(document: OpenAPIObject): void {
  const body = document.paths['/generate']?.post?.requestBody;
  const dto = document.components?.schemas?.GenerateRequestDto;
  if (!body || !('content' in body) || !dto || !('properties' in dto)) return;
  const file = (description: string) => ({ type: 'string', format: 'binary', description });
  body.content['multipart/form-data'] = {
    schema: {
      ...dto,
      properties: {
        ...dto.properties,
        product_image: file('Product photo file. Required when start_step is 1.'),
        step1_image: file('An earlier Stage 1 image. Required when start_step is 2.'),
      },
    },
  };
}

export function logBootFailure(error: unknown): void {
  new Logger('Boot').error(error instanceof Error ? error.message : String(error));
}
