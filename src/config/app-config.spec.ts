import { AppConfig, ConfigError, loadConfig } from './app-config';

describe(loadConfig.name, () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = loadConfig({});
    expect(config).toBeInstanceOf(AppConfig);
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      mongodbUri: undefined,
      mongodbDb: 'change_relay',
      embeddedMongo: 'auto',
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
    });
    expect(config.instanceId).toMatch(new RegExp(`-${process.pid}$`));
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      MONGODB_URI: 'mongodb://db:27017/?replicaSet=rs0',
      MONGODB_DB: 'relay',
      EMBEDDED_MONGO: 'emulator',
      INSTANCE_ID: 'worker-1',
      SERVICE_NAME: 'orders',
      LOG_LEVEL: 'debug',
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
    });
    expect(config).toEqual(
      new AppConfig({
        port: 8080,
        host: '0.0.0.0',
        mongodbUri: 'mongodb://db:27017/?replicaSet=rs0',
        mongodbDb: 'relay',
        embeddedMongo: 'emulator',
        instanceId: 'worker-1',
        serviceName: 'orders',
        logLevel: 'debug',
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
    ['SHUTDOWN_GRACE_MS', '-1'],
    ['MONGODB_DB', 'a.b'],
    ['RUN_WORKERS', 'maybe'],
    ['MAX_SUBSCRIPTIONS_PER_INSTANCE', '0'],
    ['MAX_BUFFERED_BYTES', '10'],
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
