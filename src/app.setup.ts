import { type DynamicModule, Logger, type LogLevel, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { setupAdminViews } from './admin/admin-views';
import { AppModule } from './app.module';
import { ErrorEnvelopeFilter } from './common/errors/error.filter';
import { createValidationPipe } from './common/validation';
import { AppConfig, loadConfig } from './config/app-config';

const LEVELS: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];

/** Builds the HTTP app exactly as production runs it; e2e tests use the same function. */
export async function createApp(config: AppConfig = loadConfig(), extra: Array<Type | DynamicModule> = []): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, extra), {
    bodyParser: false,
    logger: LEVELS.slice(0, LEVELS.indexOf(config.LOG_LEVEL) + 1),
  });
  app.useBodyParser('json', { limit: `${config.MAX_BODY_MB}mb` });
  app.useBodyParser('urlencoded', { limit: `${config.MAX_BODY_MB}mb`, extended: true });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ErrorEnvelopeFilter());
  app.disable('x-powered-by');
  // Express would hash every JSON body for a weak ETag: a /status answer with its images is ~2 MB,
  // polled by many clients. Files carry their own strong ETag (sha256, src/storage/artifact-download.ts).
  app.set('etag', false);
  app.enableCors();
  setupAdminViews(app);
  setupSwagger(app);
  return app;
}

function setupSwagger(app: NestExpressApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('nanoCocoa')
      .setDescription(
        'Product photo + ad copy in, finished ad out. Submit with POST /generate, follow GET /status/{job_id}. ' +
          'Errors always come as {"error": {"code", "message", "details", "timestamp"}}.',
      )
      .setVersion('0.1.0')
      .build(),
  );
  markUploads(document);
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
