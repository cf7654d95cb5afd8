import { INestApplication, ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { RelaySupervisor } from '@app/relay';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import type { Server as HttpServer, ServerResponse } from 'node:http';
import { AppModule } from './app.module';
import { ApiTokensService } from './auth/api-tokens.service';
import { authenticationMiddleware } from './auth/auth.middleware';
import { requestHardening } from './common/http/request-hardening';
import { HttpExceptionFilter } from './common/errors/http-exception.filter';
import { createValidationPipe } from './common/validation.pipe';
import { dashboardAssets } from './dashboard/dashboard-assets';
import { AppConfig, loadConfig } from './config/app-config';
import { withEmbeddedSecretKey } from './config/embedded-secret-key';
import { MongoBackend, startMongoBackend } from './database/mongo-backend';
import { createBootLogger, createLogDestination, QuietFrameworkLogger } from './logging/log-output';
import { startBanner, startSummary } from './logging/start-banner';
import { version } from '../package.json';

export const API_PREFIX = 'api/v1';

export interface ServerOptions {
  /** The environment to read the configuration from (main.ts passes process.env). */
  env: Record<string, string | undefined>;
  /** Extra modules, e.g. a test module with its own handlers. */
  imports?: ModuleMetadata['imports'];
  /** Listen on the configured port (default true); false leaves `app` ready for supertest. */
  listen?: boolean;
  /** Where logs go instead of stdout (tests read them back). */
  logDestination?: NodeJS.WritableStream;
  /** Whether stdout is a terminal (main.ts passes it; the default log format follows it). */
  stdoutIsTty?: boolean;
}

export interface Server {
  app: INestApplication;
  config: AppConfig;
  backend: MongoBackend;
  /** Base URL when listening, e.g. http://127.0.0.1:3000 */
  url: string;
  /** Graceful shutdown: drains workers and closes the app within SHUTDOWN_GRACE_MS, then the backend. */
  close(): Promise<{ graceful: boolean }>;
}

/** Boots Change Relay. The one bootstrap used by main.ts and the e2e tests. */
export async function startServer(options: ServerOptions): Promise<Server> {
  const loaded = loadConfig(options.env, { stdoutIsTty: options.stdoutIsTty });
  const destination = createLogDestination(loaded, options.logDestination);
  const bootLog = createBootLogger(loaded, destination).child({ context: 'Bootstrap' });
  const backend = await startMongoBackend({
    uri: loaded.mongodbUri,
    mode: loaded.embeddedMongo,
    dataDir: loaded.embeddedMongoDataDir,
    port: loaded.embeddedMongoPort,
    log: (message) => bootLog.info(message),
  });
  let app: INestApplication;
  let config: AppConfig;
  try {
    // An embedded backend that keeps its data keeps the generated secret key beside it.
    config = withEmbeddedSecretKey(
      loaded,
      backend.dataDir !== undefined ? loaded.embeddedMongoDataDir : undefined,
    );
    app = await NestFactory.create(
      AppModule.forRoot(config, backend, options.imports ?? [], destination),
      {
        bufferLogs: true,
        // Bodies are parsed by requestHardening(), after authentication and the media type check.
        bodyParser: false,
      },
    );
  } catch (error) {
    await backend.stop();
    throw error;
  }
  configureApp(app, config);

  let url = '';
  if (options.listen ?? true) {
    await app.listen(config.port, config.host);
    limitSlowClients(app.getHttpServer() as HttpServer, config);
    url = (await app.getUrl()).replace('[::1]', 'localhost');
    const info = { version, url, apiPrefix: API_PREFIX, backend };
    if (config.logFormat === 'pretty') bootLog.info(startBanner(info));
    else bootLog.info(startSummary(info), `Change Relay ${version} is ready on ${url}`);
  } else {
    await app.init();
    // listen() flushes the logs buffered during start-up; without it they would wait for close().
    app.flushLogs();
  }

  let closing: Promise<{ graceful: boolean }> | undefined;
  const close = () => (closing ??= closeServer(app, backend, config.shutdownGraceMs));
  return { app, config, backend, url, close };
}

function configureApp(app: INestApplication, config: AppConfig): void {
  app.useLogger(new QuietFrameworkLogger(app.get(Logger)));
  const filter = new HttpExceptionFilter();
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          fontSrc: ["'self'"],
          baseUri: ["'none'"],
          formAction: ["'none'"],
          frameAncestors: ["'none'"],
        },
      },
    }),
  );
  // Swagger UI styles itself inline; its page (and only it) may, still with no inline script.
  app.use('/api/docs', (_request: unknown, response: ServerResponse, next: () => void) => {
    response.setHeader('content-security-policy', DOCS_CSP);
    next();
  });
  if (config.corsOrigins.length > 0) {
    // Closed unless CORS_ORIGINS lists origins; never with credentials (tokens are headers).
    app.enableCors({
      origin: config.corsOrigins.includes('*') ? '*' : [...config.corsOrigins],
      credentials: false,
      allowedHeaders: ['authorization', 'content-type'],
      maxAge: 600,
    });
  }
  // The web dashboard's page and scripts are public (under the strict CSP above); its API calls
  // carry the user's bearer token like any other client's.
  app.use(dashboardAssets(config.dashboardDir));
  app.use(authenticationMiddleware(app.get(ApiTokensService), config, filter));
  app.use(
    ...requestHardening({
      filter,
      bodyLimitBytes: config.bodyLimitBytes,
      requestTimeoutMs: config.requestTimeoutMs,
    }),
  );
  app.setGlobalPrefix(API_PREFIX, { exclude: ['health/live', 'health/ready', 'metrics'] });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(filter);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Change Relay')
      .setDescription(
        `Admin API of ${config.serviceName}: subscriptions, handlers, instances, dead letters`,
      )
      .setVersion(version)
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        description: 'An API token (see /api/v1/tokens) or, when configured, an OIDC JWT',
      })
      .addSecurityRequirements('bearer')
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document);
}

const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join(';');

/** Node's own deadlines, the backstop for clients too slow to even send their headers. */
function limitSlowClients(server: HttpServer, config: AppConfig): void {
  server.requestTimeout = config.requestTimeoutMs;
  server.headersTimeout = Math.min(config.requestTimeoutMs, 20_000);
}

async function closeServer(
  app: INestApplication,
  backend: MongoBackend,
  graceMs: number,
): Promise<{ graceful: boolean }> {
  const closing = app.close();
  const outcome = await closedWithin(closing, graceMs);
  if (outcome === 'timeout') {
    // The grace is over: abandon what still drains, as a crash would (it resumes from the
    // checkpoint), and let the close finish, so no delivery, retry or timer of this app runs on
    // after close() resolved. The remaining shutdown steps are bounded, this wait is a backstop.
    await app
      .get(RelaySupervisor)
      .halt()
      .catch(() => undefined);
    await closedWithin(
      closing.catch(() => undefined),
      CLOSE_AFTER_HALT_MS,
    );
  }
  await backend.stop().catch(() => undefined);
  return { graceful: outcome === 'closed' };
}

/** How long close() still waits for the app once the grace elapsed and the relay was halted. */
const CLOSE_AFTER_HALT_MS = 10_000;

async function closedWithin(closing: Promise<unknown>, ms: number): Promise<'closed' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([closing.then(() => 'closed' as const), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
