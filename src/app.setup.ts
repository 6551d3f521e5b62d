import { Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { ErrorEnvelopeFilter } from './common/errors/error.filter';
import { createValidationPipe } from './common/validation';
import { AppConfig, loadConfig } from './config/app-config';

const LEVELS: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];

/** Builds the HTTP app exactly as production runs it; e2e tests use the same function. */
export async function createApp(config: AppConfig = loadConfig()): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    logger: LEVELS.slice(0, LEVELS.indexOf(config.LOG_LEVEL) + 1),
  });
  app.useBodyParser('json', { limit: `${config.MAX_BODY_MB}mb` });
  app.useBodyParser('urlencoded', { limit: `${config.MAX_BODY_MB}mb`, extended: true });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ErrorEnvelopeFilter());
  app.disable('x-powered-by');
  app.enableCors();
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
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', customSiteTitle: 'nanoCocoa API' });
}

export function logBootFailure(error: unknown): void {
  new Logger('Boot').error(error instanceof Error ? error.message : String(error));
}
