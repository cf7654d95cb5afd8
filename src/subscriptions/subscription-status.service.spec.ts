import { Timestamp } from 'bson';
import type { Instance, Lease, Subscription } from '@app/relay';
import {
  describeStatus,
  withErrorClassOnly,
  type StatusSources,
} from './subscription-status.service';
import { definitionFromDraft, draftFromCreateInput } from './subscription.draft';

const now = new Date('2026-03-01T12:00:00Z');
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

function subscription(overrides: Partial<Subscription> = {}): Subscription {
  return {
    ...definitionFromDraft(
      draftFromCreateInput(
        {
          name: 'orders',
          source: { database: 'shop' },
          handler: { type: 'provider', name: 'reserve-stock' },
        },
        'shop',
      ),
    ),
    startAtOperationTime: new Timestamp({ t: seconds(now) - 60, i: 1 }),
    epoch: 5,
    desiredState: 'active',
    revision: 1,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

function instance(id: string, handlers: string[]): Instance {
  return { id, service: 'shop', handlers, version: '1.0.0', startedAt: now, lastSeen: now };
}

function lease(overrides: Partial<Lease> = {}): Lease {
  return {
    subscription: 'orders',
    owner: 'worker-1',
    token: 7,
    expiresAt: new Date(now.getTime() + 5_000),
    acquiredAt: now,
    status: { state: 'running', updatedAt: now },
    ...overrides,
  };
}

function sources(overrides: Partial<StatusSources> = {}): StatusSources {
  return {
    subscription: subscription(),
    lease: lease(),
    checkpoint: {
      subscription: 'orders',
      position: {
        kind: 'token',
        resumeToken: { _data: '82' },
        clusterTime: new Timestamp({ t: seconds(now) - 3, i: 1 }),
      },
      epoch: 5,
      updatedAt: new Date(now.getTime() - 1_500),
      leaseToken: 7,
    },
    totals: {
      counters: {
        received: 10,
        delivered: 9,
        retried: 1,
        failedAttempts: 1,
        deadLettered: 0,
        replayed: 0,
        replayFailed: 0,
      },
      lastEventAt: now,
    },
    liveInstances: [
      instance('worker-1', ['log', 'reserve-stock', 'webhook']),
      instance('api-only', []),
    ],
    clusterTime: new Timestamp({ t: seconds(now), i: 4 }),
    now,
    ...overrides,
  };
}

describe(describeStatus.name, () => {
  it('reports the owner, the checkpoint age and the lag of a running subscription', () => {
    expect(describeStatus(sources())).toEqual({
      name: 'orders',
      desiredState: 'active',
      state: 'active',
      actualState: 'running',
      handler: 'reserve-stock',
      owner: 'worker-1',
      leaseExpiresAt: new Date(now.getTime() + 5_000),
      checkpoint: {
        updatedAt: new Date(now.getTime() - 1_500),
        ageMs: 1_500,
        clusterTime: new Date((seconds(now) - 3) * 1000),
        kind: 'token',
      },
      lagMs: 3_000,
      counters: {
        received: 10,
        delivered: 9,
        retried: 1,
        failedAttempts: 1,
        deadLettered: 0,
        replayed: 0,
        replayFailed: 0,
      },
      lastError: undefined,
      lastEventAt: now,
      stale: undefined,
      instancesWithHandler: ['worker-1'],
      warnings: [],
    });
  });

  it('measures the lag from the start time while there is no checkpoint of the current epoch', () => {
    expect(describeStatus(sources({ checkpoint: null })).lagMs).toBe(60_000);
    const reset = describeStatus(sources({ subscription: subscription({ epoch: 6 }) }));
    expect(reset.lagMs).toBe(60_000);
    expect(reset.checkpoint).toBeUndefined();
    expect(describeStatus(sources({ clusterTime: undefined })).lagMs).toBeUndefined();
  });

  it('warns when no live instance has the handler', () => {
    const status = describeStatus(
      sources({ lease: null, liveInstances: [instance('api-only', ['webhook'])] }),
    );
    expect(status).toMatchObject({
      actualState: 'unassigned',
      owner: undefined,
      instancesWithHandler: [],
    });
    expect(status.warnings).toEqual([
      expect.stringContaining('No live instance has the handler "reserve-stock"'),
    ]);
  });

  it('treats an expired lease as unassigned and says so', () => {
    const status = describeStatus(
      sources({ lease: lease({ expiresAt: new Date(now.getTime() - 1) }) }),
    );
    expect(status.actualState).toBe('unassigned');
    expect(status.owner).toBeUndefined();
    expect(status.warnings).toEqual([expect.stringContaining('No instance holds the lease yet')]);
  });

  it('shows the worker restarting after an error', () => {
    const lastError = { message: 'connection reset', code: 6, at: now };
    const status = describeStatus(
      sources({ lease: lease({ status: { ...lease().status, state: 'backoff', lastError } }) }),
    );
    expect(status.lastError).toEqual(lastError);
    expect(status.warnings).toEqual(['The worker is restarting after an error: connection reset']);
  });

  it.each([
    ['POST http://10.0.0.7:8080/hook answered 403', 'the target answered 4xx (details for admins)'],
    [
      'POST http://10.0.0.7:22/ failed: connect ECONNREFUSED 10.0.0.7:22',
      'the worker failed (details for admins)',
    ],
  ])('shows a non-admin only the class of the error "%s"', (message, shown) => {
    const lastError = { message, at: now };
    const status = withErrorClassOnly(
      describeStatus(
        sources({ lease: lease({ status: { ...lease().status, state: 'backoff', lastError } }) }),
      ),
    );
    expect(status.lastError?.message).toBe(shown);
    expect(JSON.stringify(status)).not.toContain('10.0.0.7');
  });

  it('tells an operator how to leave stale, and nothing else', () => {
    const stale = {
      reason: 'ChangeStreamHistoryLost: too old',
      code: 286,
      at: now,
      lastCheckpointAt: new Date('2026-03-01T11:00:00Z'),
    };
    const status = describeStatus(
      sources({ subscription: subscription({ stale }), lease: null, liveInstances: [] }),
    );
    expect(status.state).toBe('stale');
    expect(status.warnings).toEqual([
      'Stale: ChangeStreamHistoryLost: too old. Reset it to start again from now, or resync it to copy the current documents and lose nothing (changes since the last checkpoint at 2026-03-01T11:00:00.000Z would be skipped).',
    ]);
  });

  it('counts zeros before any metrics were flushed', () => {
    expect(describeStatus(sources({ totals: undefined })).counters).toEqual({
      received: 0,
      delivered: 0,
      retried: 0,
      failedAttempts: 0,
      deadLettered: 0,
      replayed: 0,
      replayFailed: 0,
    });
  });

  it('has no warnings for a paused subscription', () => {
    const status = describeStatus(
      sources({ subscription: subscription({ desiredState: 'paused' }), lease: null }),
    );
    expect(status).toMatchObject({ state: 'paused', actualState: 'unassigned', warnings: [] });
  });
});

describe('history in the status', () => {
  it('shows the progress of a copy: documents of the estimate, rate and ETA', () => {
    const startedAt = new Date(now.getTime() - 11_500);
    const status = describeStatus(
      sources({
        subscription: subscription({ snapshotFirst: true }),
        checkpoint: {
          subscription: 'orders',
          position: {
            kind: 'snapshot',
            clusterTime: new Timestamp({ t: seconds(now) - 20, i: 1 }),
            collections: [
              { coll: 'a', lastId: 99, done: true, copied: 100, estimate: 100 },
              { coll: 'b', lastId: 'k-9', done: false, copied: 900, estimate: 3_900 },
            ],
            copied: 1_000,
            estimate: 4_000,
            startedAt,
          },
          epoch: 5,
          updatedAt: new Date(now.getTime() - 1_500),
          leaseToken: 7,
        },
      }),
    );
    expect(status.checkpoint?.kind).toBe('snapshot');
    expect(status.snapshot).toEqual({
      streamFrom: new Date((seconds(now) - 20) * 1000),
      startedAt,
      collections: [
        { collection: 'a', copied: 100, estimate: 100, done: true },
        { collection: 'b', copied: 900, estimate: 3_900, done: false },
      ],
      copied: 1_000,
      estimate: 4_000,
      ratePerSecond: 100,
      etaSeconds: 30,
    });
  });

  it('announces the copy before its first checkpoint, and shows none once the stream runs', () => {
    expect(
      describeStatus(
        sources({ subscription: subscription({ snapshotFirst: true }), checkpoint: null }),
      ).snapshot,
    ).toMatchObject({ copied: 0, collections: [] });
    expect(describeStatus(sources()).snapshot).toBeUndefined();
  });

  it('says so when the oplog cannot be read, instead of guessing a margin', () => {
    const status = describeStatus(
      sources({
        oplog: {
          window: { available: false, reason: 'not authorized on local', readAt: now },
          margin: undefined,
        },
      }),
    );
    expect(status.oplog).toEqual({ available: false, reason: 'not authorized on local' });
    expect(status.warnings).toEqual(['The oplog window is unknown: not authorized on local.']);
  });

  it('warns with the margin, its share of the window and the time left', () => {
    const status = describeStatus(
      sources({
        oplog: {
          window: {
            available: true,
            first: new Timestamp({ t: seconds(now) - 1_000, i: 1 }),
            firstAt: new Date(now.getTime() - 1_000_000),
            last: new Timestamp({ t: seconds(now), i: 1 }),
            lastAt: now,
            windowMs: 1_000_000,
            rolling: true,
            readAt: now,
          },
          margin: {
            marginMs: 50_000,
            marginPct: 5,
            windowMs: 1_000_000,
            rolling: true,
            shrinkRate: 0.5,
            timeToLossMs: 100_000,
            status: 'Critical',
            reason: 'oplog margin 50 s (5% of the 17 min oplog window) < 10%: resync soon',
          },
        },
      }),
    );
    expect(status.oplog).toMatchObject({
      available: true,
      marginMs: 50_000,
      shrinkRate: 0.5,
      timeToLossMs: 100_000,
      status: 'Critical',
    });
    expect(status.warnings).toEqual([
      'Oplog Critical: oplog margin 50 s (5% of the 17 min oplog window) < 10%: resync soon; history lost in about 100 s at the current rate.',
    ]);
  });
});
