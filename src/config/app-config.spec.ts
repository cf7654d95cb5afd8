import { AppConfig, ConfigError, loadConfig } from './app-config';

describe(loadConfig.name, () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = loadConfig({}, { cwd: '/srv/relay' });
    expect(config).toBeInstanceOf(AppConfig);
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      mongodbUri: undefined,
      mongodbDb: 'change_relay',
      embeddedMongo: 'auto',
      embeddedMongoDataDir: '/srv/relay/.change-relay/data',
      embeddedMongoPort: 27027,
      logFormat: 'json',
      serviceName: 'change-relay',
      logLevel: 'info',
      shutdownGraceMs: 10_000,
      leaseTtlMs: 15_000,
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
      EMBEDDED_MONGO_DATA: '/var/lib/relay',
      EMBEDDED_MONGO_PORT: '27999',
      INSTANCE_ID: 'worker-1',
      SERVICE_NAME: 'orders',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'pretty',
      SHUTDOWN_GRACE_MS: '2500',
      LEASE_TTL_MS: '5000',
    });
    expect(config).toEqual(
      new AppConfig({
        port: 8080,
        host: '0.0.0.0',
        mongodbUri: 'mongodb://db:27017/?replicaSet=rs0',
        mongodbDb: 'relay',
        embeddedMongo: 'emulator',
        embeddedMongoDataDir: '/var/lib/relay',
        embeddedMongoPort: 27999,
        instanceId: 'worker-1',
        serviceName: 'orders',
        logLevel: 'debug',
        logFormat: 'pretty',
        shutdownGraceMs: 2500,
        leaseTtlMs: 5000,
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

  it('keeps the embedded backend in memory for EMBEDDED_MONGO_DATA=memory', () => {
    expect(loadConfig({ EMBEDDED_MONGO_DATA: 'memory' }).embeddedMongoDataDir).toBeUndefined();
  });

  it('logs for people on a terminal and JSON elsewhere, unless LOG_FORMAT says', () => {
    expect(loadConfig({}, { stdoutIsTty: true }).logFormat).toBe('pretty');
    expect(loadConfig({}, { stdoutIsTty: false }).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'json' }, { stdoutIsTty: true }).logFormat).toBe('json');
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
