import { AppConfig, ConfigError, loadConfig } from './app-config';

const ADMIN = 'admin-token-0123456789abcdef';
const KEY_HEX = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
const KEY_BASE64 = Buffer.alloc(32, 7).toString('base64');

describe(loadConfig.name, () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = loadConfig({}, { cwd: '/srv/relay' });
    expect(config).toBeInstanceOf(AppConfig);
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      mongodbUri: undefined,
      mongodbDb: 'change_relay',
      sqlDefaultDatabase: 'app',
      sqlMaxRows: 10_000,
      sqlMaxTimeMs: 10_000,
      embeddedMongo: 'auto',
      embeddedMongoDataDir: '/srv/relay/.change-relay/data',
      embeddedMongoPort: 27027,
      dashboardDir: '/srv/relay/dist/dashboard',
      logFormat: 'json',
      serviceName: 'change-relay',
      logLevel: 'info',
      shutdownGraceMs: 10_000,
      leaseTtlMs: 15_000,
      runWorkers: true,
      maxSubscriptionsPerInstance: undefined,
      maxInFlight: 1_000,
      maxBufferedEvents: 10_000,
      maxBufferedBytes: 64 * 1024 * 1024,
      checkpointIntervalMs: 1_000,
      reconcileIntervalMs: 5_000,
      metricsFlushIntervalMs: 5_000,
      authDisabled: false,
      adminToken: undefined,
      metricsAuth: false,
      sharedStreams: false,
      corsOrigins: [],
      secretKeyGenerated: true,
      webhookAllowedHosts: [],
      webhookAllowPrivate: false,
      bodyLimitBytes: 1024 * 1024,
      requestTimeoutMs: 30_000,
      rateLimitPerMinute: 600,
      jwt: undefined,
    });
    expect(config.secretKeys).toHaveLength(1);
    expect(config.instanceId).toMatch(new RegExp(`-${process.pid}$`));
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      MONGODB_URI: 'mongodb://db:27017/?replicaSet=rs0',
      MONGODB_DB: 'relay',
      SQL_DEFAULT_DATABASE: 'shop',
      SQL_MAX_ROWS: '500',
      SQL_MAX_TIME_MS: '2000',
      EMBEDDED_MONGO: 'emulator',
      EMBEDDED_MONGO_DATA: '/var/lib/relay',
      EMBEDDED_MONGO_PORT: '27999',
      DASHBOARD_DIR: '/opt/relay/dashboard',
      INSTANCE_ID: 'worker-1',
      SERVICE_NAME: 'orders',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'pretty',
      SHUTDOWN_GRACE_MS: '2500',
      LEASE_TTL_MS: '5000',
      RUN_WORKERS: 'false',
      MAX_SUBSCRIPTIONS_PER_INSTANCE: '20',
      MAX_IN_FLIGHT: '500',
      MAX_BUFFERED_EVENTS: '20000',
      MAX_BUFFERED_BYTES: '134217728',
      CHECKPOINT_INTERVAL_MS: '250',
      RECONCILE_INTERVAL_MS: '2000',
      METRICS_FLUSH_INTERVAL_MS: '1000',
      READY_MAX_LAG_MS: '60000',
      HEALTH_CRITICAL_ERROR_PCT: '10',
      HEALTH_WARNING_ERROR_PCT: '2',
      HEALTH_WARNING_DELIVERED_PCT: '90',
      HEALTH_WARNING_LAG_MS: '60000',
      HEALTH_DEGRADED_HANDLER_MS: '1000',
      ALERT_WEBHOOK_URLS:
        'https://hooks.slack.com/services/T0/B0/x, http://alerts.internal:9000/in',
      ALERT_DEAD_LETTER_THRESHOLD: '50',
      ALERT_COOLDOWN_MS: '60000',
      ALERT_CHECK_INTERVAL_MS: '10000',
      ALERT_WINDOW_MS: '300000',
      HEALTH_OPLOG_WARNING_PCT: '30',
      HEALTH_OPLOG_WARNING_MS: '0',
      HEALTH_OPLOG_CRITICAL_PCT: '15',
      HEALTH_OPLOG_CRITICAL_MS: '60000',
      OPLOG_CHECK_INTERVAL_MS: '500',
      AUTH_DISABLED: 'true',
      ADMIN_TOKEN: ADMIN,
      METRICS_AUTH: 'true',
      SHARED_STREAMS: 'true',
      CORS_ORIGINS: 'https://a.example.com, http://localhost:8080',
      SECRET_KEY: KEY_HEX,
      SECRET_KEY_PREVIOUS: KEY_BASE64,
      WEBHOOK_ALLOWED_HOSTS: 'hooks.internal,*.svc.local:8443',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      BODY_LIMIT_KB: '64',
      REQUEST_TIMEOUT_MS: '5000',
      RATE_LIMIT_PER_MINUTE: '0',
      AUTH_JWKS_URL: 'https://id.example.com/jwks',
      AUTH_JWT_ISSUER: 'https://id.example.com',
      AUTH_JWT_AUDIENCE: 'change-relay',
      AUTH_JWT_ROLE_CLAIM: 'realm_access.roles',
      AUTH_JWT_SERVICES_CLAIM: 'services',
    });
    expect(config).toEqual(
      new AppConfig({
        port: 8080,
        host: '0.0.0.0',
        mongodbUri: 'mongodb://db:27017/?replicaSet=rs0',
        mongodbDb: 'relay',
        sqlDefaultDatabase: 'shop',
        sqlMaxRows: 500,
        sqlMaxTimeMs: 2000,
        embeddedMongo: 'emulator',
        embeddedMongoDataDir: '/var/lib/relay',
        embeddedMongoPort: 27999,
        dashboardDir: '/opt/relay/dashboard',
        instanceId: 'worker-1',
        serviceName: 'orders',
        logLevel: 'debug',
        logFormat: 'pretty',
        shutdownGraceMs: 2500,
        leaseTtlMs: 5000,
        runWorkers: false,
        maxSubscriptionsPerInstance: 20,
        maxInFlight: 500,
        maxBufferedEvents: 20_000,
        maxBufferedBytes: 134_217_728,
        checkpointIntervalMs: 250,
        reconcileIntervalMs: 2000,
        metricsFlushIntervalMs: 1000,
        readyMaxLagMs: 60_000,
        health: {
          criticalErrorPct: 10,
          warningErrorPct: 2,
          warningDeliveredPct: 90,
          warningLagMs: 60_000,
          degradedHandlerMs: 1_000,
          oplogWarningPct: 30,
          oplogWarningMs: 0,
          oplogCriticalPct: 15,
          oplogCriticalMs: 60_000,
        },
        alerts: {
          webhookUrls: [
            'https://hooks.slack.com/services/T0/B0/x',
            'http://alerts.internal:9000/in',
          ],
          deadLetterThreshold: 50,
          cooldownMs: 60_000,
          checkIntervalMs: 10_000,
          windowMs: 300_000,
        },
        oplogCheckIntervalMs: 500,
        authDisabled: true,
        adminToken: ADMIN,
        metricsAuth: true,
        sharedStreams: true,
        corsOrigins: ['https://a.example.com', 'http://localhost:8080'],
        secretKeys: [Buffer.from(KEY_HEX, 'hex'), Buffer.from(KEY_BASE64, 'base64')],
        secretKeyGenerated: false,
        webhookAllowedHosts: ['hooks.internal', '*.svc.local:8443'],
        webhookAllowPrivate: true,
        bodyLimitBytes: 64 * 1024,
        requestTimeoutMs: 5000,
        rateLimitPerMinute: 0,
        jwt: {
          jwksUrl: 'https://id.example.com/jwks',
          issuer: 'https://id.example.com',
          audience: 'change-relay',
          roleClaim: 'realm_access.roles',
          servicesClaim: 'services',
        },
      }),
    );
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '12abc'],
    ['MONGODB_URI', 'http://localhost'],
    ['EMBEDDED_MONGO', 'docker'],
    ['LOG_LEVEL', 'loud'],
    ['LOG_FORMAT', 'xml'],
    ['EMBEDDED_MONGO_PORT', '27017x'],
    ['SHUTDOWN_GRACE_MS', '-1'],
    ['MONGODB_DB', 'a.b'],
    ['SQL_DEFAULT_DATABASE', 'admin'],
    ['SQL_MAX_ROWS', '0'],
    ['RUN_WORKERS', 'maybe'],
    ['MAX_SUBSCRIPTIONS_PER_INSTANCE', '0'],
    ['MAX_BUFFERED_BYTES', '10'],
    ['AUTH_DISABLED', 'yes'],
    ['ADMIN_TOKEN', 'short'],
    ['SECRET_KEY', 'not-a-key'],
    ['SECRET_KEY_PREVIOUS', 'abc'],
    ['CORS_ORIGINS', 'evil.com'],
    ['WEBHOOK_ALLOW_PRIVATE', '1'],
    ['BODY_LIMIT_KB', '0'],
    ['ALERT_WEBHOOK_URLS', 'hooks.example.com'],
    ['ALERT_WEBHOOK_URLS', 'https://a.example.com,ftp://b'],
    ['ALERT_WEBHOOK_URLS', 'http://[::1'],
    ['ALERT_DEAD_LETTER_THRESHOLD', '0'],
    ['ALERT_COOLDOWN_MS', '-5'],
    ['ALERT_WINDOW_MS', '1000'],
    ['SHARED_STREAMS', 'yes'],
  ])('rejects %s=%s with one line naming the variable', (name, value) => {
    const error = captureError(() => loadConfig({ [name]: value }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(name);
    expect(error.message).toContain(JSON.stringify(value));
    expect(error.message).not.toContain('\n');
  });

  it('names every bad variable at once', () => {
    expect(() => loadConfig({ PORT: 'x', LOG_LEVEL: 'y' })).toThrow(
      /PORT.*LOG_LEVEL|LOG_LEVEL.*PORT/,
    );
  });

  it('requires SECRET_KEY with an external MongoDB, where secrets outlive the process', () => {
    expect(() => loadConfig({ MONGODB_URI: 'mongodb://db:27017' })).toThrow(/SECRET_KEY/);
  });

  it('keeps the embedded backend in memory for EMBEDDED_MONGO_DATA=memory', () => {
    expect(loadConfig({ EMBEDDED_MONGO_DATA: 'memory' }).embeddedMongoDataDir).toBeUndefined();
  });

  it('logs for people on a terminal and JSON elsewhere, unless LOG_FORMAT says', () => {
    expect(loadConfig({}, { stdoutIsTty: true }).logFormat).toBe('pretty');
    expect(loadConfig({}, { stdoutIsTty: false }).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'json' }, { stdoutIsTty: true }).logFormat).toBe('json');
  });

  it('requires an issuer and an audience with AUTH_JWKS_URL', () => {
    expect(() => loadConfig({ AUTH_JWKS_URL: 'https://id.example.com/jwks' })).toThrow(
      /AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE/,
    );
  });

  it('treats blank values as unset', () => {
    expect(loadConfig({ MONGODB_URI: '', PORT: ' ' })).toMatchObject({
      mongodbUri: undefined,
      port: 3000,
    });
  });
});

function captureError(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}
