import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { json, raw, urlencoded, type NextFunction, type Request, type Response } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AppModule } from './app.module';
import { RedisConnection } from './cluster/redis-connection';
import { RedisIoAdapter } from './cluster/redis-io.adapter';
import { securityHeaders } from './common/security-headers';
import { createValidationPipe } from './common/validation.pipe';
import type { AppConfig } from './config/app-config';
import { createLogging } from './observability/logging';
import type { DestinationStream } from 'pino';

const SERVER_PATHS = /^\/(api|webhooks|socket\.io|files|health|ready|metrics|widget\.js|demo)(\/|$)/;

/**
 * Builds the HTTP app: API, OpenAPI at /api/docs, the widget endpoints' CORS, and the Angular app.
 * Logs are JSON lines on stdout, or on `logStream`; `logger: false` silences them.
 */
export async function createApp(
  config: AppConfig,
  options: { logger?: false; logStream?: DestinationStream } = {},
): Promise<NestExpressApplication> {
  const logging = createLogging(config.logLevel, options);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), {
    logger: logging.nest,
    bodyParser: false,
  });
  // Several processes behind a load balancer: socket.io events travel through Redis.
  const redis = app.get(RedisConnection);
  if (redis.client) app.useWebSocketAdapter(new RedisIoAdapter(app, redis));
  app.set('trust proxy', config.trustProxy);
  app.use(logging.http);
  app.disable('x-powered-by');
  app.use(securityHeaders());
  // Webhooks keep their exact bytes (signatures are computed over them) and are verified before
  // anything parses them; everything else is JSON or urlencoded.
  app.use('/webhooks', raw({ type: () => true, limit: '5mb' }));
  app.use(json({ limit: '1mb' }));
  app.use(urlencoded({ extended: false, limit: '1mb' }));
  app.use(logging.context);
  app.useGlobalPipes(createValidationPipe());
  // The widget runs on customers' sites: only its own endpoints answer cross-origin requests.
  app.enableCors((req: Request, callback: (err: Error | null, options: { origin: boolean }) => void) =>
    callback(null, { origin: req.path.startsWith('/api/webchat/') }),
  );
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('Onebox API').setVersion('0.1.0').addBearerAuth().build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
  if (existsSync(config.webRoot)) {
    app.useStaticAssets(config.webRoot, { index: false, maxAge: '1h' });
    const index = join(config.webRoot, 'index.html');
    app.use((req: Request, res: Response, next: NextFunction) => {
      if (req.method !== 'GET' || SERVER_PATHS.test(req.path) || !req.accepts('html')) return next();
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(index);
    });
  }
  return app;
}
