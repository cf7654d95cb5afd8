import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { DynamicModule, Module, ModuleMetadata, RequestMethod } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { ChangeRelayModule } from '@app/relay';
import { LoggerModule, type Params } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { version } from '../package.json';
import { AboutModule } from './about/about.module';
import { AuditModule } from './audit/audit.module';
import { ApiTokensService } from './auth/api-tokens.service';
import { AuthModule } from './auth/auth.module';
import { graphqlContext, graphqlWsOptions } from './common/graphql/graphql-ws';
import { formatGraphqlError } from './common/errors/graphql-error.formatter';
import { MAX_QUERY_TOKENS, queryLimitsRule } from './common/graphql/query-limits';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import type { MongoBackend } from './database/mongo-backend';
import { HandlersModule } from './handlers/handlers.module';
import { HealthModule } from './health/health.module';
import { InstancesModule } from './instances/instances.module';
import { MetricsModule } from './metrics/metrics.module';
import { AnalyticsModule } from './analytics/analytics.module';
import { AlertsModule } from './alerts/alerts.module';
import { LiveTailModule } from './live-tail/live-tail.module';
import { SubscriptionsModule } from './subscriptions/subscriptions.module';
import { DeadLettersModule } from './dead-letters/dead-letters.module';
import { SqlModule } from './sql/sql.module';

type ModuleImports = NonNullable<ModuleMetadata['imports']>;

@Module({})
export class AppModule {
  static forRoot(
    config: AppConfig,
    backend: MongoBackend,
    extraImports: ModuleImports = [],
    logDestination?: DestinationStream,
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggerModule.forRoot({
          // Nest 11 path syntax; the library's default '*' logs a legacy-route warning at boot.
          forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
          pinoHttp: [
            {
              level: config.logLevel,
              base: { service: config.serviceName, instance: config.instanceId },
              autoLogging: { ignore: (req) => req.url?.startsWith('/health') ?? false },
              redact: ['req.headers.authorization', 'req.headers.cookie', '*.secret', '*.*.secret'],
            },
            ...(logDestination ? [logDestination] : []),
          ] as Params['pinoHttp'],
        }),
        DatabaseModule.forRoot(backend),
        GraphQLModule.forRootAsync<ApolloDriverConfig>({
          driver: ApolloDriver,
          imports: [AuthModule],
          inject: [ApiTokensService],
          useFactory: (tokens: ApiTokensService) => ({
            path: '/graphql',
            autoSchemaFile: true,
            sortSchema: true,
            formatError: formatGraphqlError,
            validationRules: [queryLimitsRule()],
            parseOptions: { maxTokens: MAX_QUERY_TOKENS },
            // GraphQL subscriptions (subscriptionEvents) over graphql-ws on the same path; the
            // token comes in the connection's `Authorization` parameter.
            subscriptions: { 'graphql-ws': graphqlWsOptions(tokens) },
            // The request carries the principal the AuthMiddleware (or the socket) authenticated.
            context: graphqlContext,
          }),
        }),
        AuthModule,
        AuditModule,
        HealthModule,
        AboutModule,
        ChangeRelayModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (c: AppConfig) => ({
            instanceId: c.instanceId,
            serviceName: c.serviceName,
            version,
            leaseTtlMs: c.leaseTtlMs,
            // The server runs the built-in handlers; an embedding service opts in itself.
            builtInHandlers: ['webhook', 'log'],
            runWorkers: c.runWorkers,
            maxSubscriptionsPerInstance: c.maxSubscriptionsPerInstance,
            maxInFlight: c.maxInFlight,
            maxBufferedEvents: c.maxBufferedEvents,
            maxBufferedBytes: c.maxBufferedBytes,
            sharedStreams: c.sharedStreams,
            checkpointIntervalMs: c.checkpointIntervalMs,
            reconcileIntervalMs: c.reconcileIntervalMs,
            metricsFlushIntervalMs: c.metricsFlushIntervalMs,
            // Workers drain within SHUTDOWN_GRACE_MS, which keeps up to 2 s (half of it at most)
            // for the final checkpoint writes, lease releases and closing connections.
            shutdownTimeoutMs:
              c.shutdownGraceMs - Math.min(Math.floor(c.shutdownGraceMs / 2), 2_000),
            webhookTargets: {
              allowPrivate: c.webhookAllowPrivate,
              allowedHosts: c.webhookAllowedHosts,
            },
            secretKeys: c.secretKeys,
          }),
        }),
        SubscriptionsModule,
        DeadLettersModule,
        SqlModule,
        MetricsModule,
        AnalyticsModule,
        AlertsModule,
        LiveTailModule,
        HandlersModule,
        InstancesModule,
        ...extraImports,
      ],
    };
  }
}
