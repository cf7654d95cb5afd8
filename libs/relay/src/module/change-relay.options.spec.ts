import { resolveChangeRelayOptions } from './change-relay.options';

describe(resolveChangeRelayOptions.name, () => {
  it('fills defaults from the lease TTL', () => {
    expect(
      resolveChangeRelayOptions({ instanceId: 'i', serviceName: 's', leaseTtlMs: 3_000 }),
    ).toMatchObject({
      leaseTtlMs: 3_000,
      heartbeatIntervalMs: 1_000,
      reconcileIntervalMs: 5_000,
      runWorkers: true,
    });
    expect(resolveChangeRelayOptions({ instanceId: 'i', serviceName: 's' })).toMatchObject({
      leaseTtlMs: 15_000,
      heartbeatIntervalMs: 5_000,
    });
  });

  it('refuses a lease TTL below one second and missing identities', () => {
    expect(() =>
      resolveChangeRelayOptions({ instanceId: 'i', serviceName: 's', leaseTtlMs: 999 }),
    ).toThrow(/leaseTtlMs/);
    expect(() => resolveChangeRelayOptions({ instanceId: '', serviceName: 's' })).toThrow(
      /instanceId/,
    );
    expect(() => resolveChangeRelayOptions({ instanceId: 'i', serviceName: '' })).toThrow(
      /serviceName/,
    );
  });
});
