import { MongooseModule } from '@nestjs/mongoose';
import { Test, type TestingModule } from '@nestjs/testing';
import { sharedBackendUri, uniqueDbName, waitFor } from '@app/testing';
import { Timestamp } from 'bson';
import { LeasesRepository } from '../leases/leases.repository';
import { RELAY_MODEL_DEFINITIONS } from '../module/relay-models';
import { CheckpointsRepository } from './checkpoints.repository';
import { checkpointBelongsTo, type Checkpoint, type StreamPosition } from './checkpoint.types';

describe(CheckpointsRepository.name, () => {
  let moduleRef: TestingModule;
  let checkpoints: CheckpointsRepository;
  let leases: LeasesRepository;

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [
        MongooseModule.forRoot(sharedBackendUri(), { dbName: uniqueDbName('meta') }),
        MongooseModule.forFeature(RELAY_MODEL_DEFINITIONS),
      ],
      providers: [CheckpointsRepository, LeasesRepository],
    }).compile();
    checkpoints = moduleRef.get(CheckpointsRepository);
    leases = moduleRef.get(LeasesRepository);
  });

  afterAll(async () => {
    await moduleRef?.close();
  });

  const position = (data: string): StreamPosition => ({
    kind: 'token',
    resumeToken: { _data: data },
    clusterTime: new Timestamp({ t: 1_700_000_000, i: 1 }),
  });
  const tokenOf = (checkpoint: Checkpoint | null) =>
    checkpoint?.position.kind === 'token' ? checkpoint.position.resumeToken : undefined;

  it('writes for the current lease holder and reads back the BSON types', async () => {
    const lease = (await leases.tryAcquire('cp-1', 'a', 10_000))!;
    expect((await checkpoints.claim('cp-1', lease.token)).checkpoint).toBeNull();
    expect(await checkpoints.save('cp-1', position('8201'), 7, lease.token)).toBe(true);
    const stored = await checkpoints.find('cp-1');
    expect(stored).toMatchObject({
      subscription: 'cp-1',
      position: { kind: 'token', resumeToken: { _data: '8201' } },
      epoch: 7,
      leaseToken: lease.token,
    });
    expect(stored?.position.clusterTime).toBeInstanceOf(Timestamp);
    expect(stored?.position.clusterTime?.t).toBe(1_700_000_000);
    const time = { kind: 'time', clusterTime: new Timestamp({ t: 1_699_999_999, i: 3 }) } as const;
    expect(await checkpoints.save('cp-1', time, 7, lease.token)).toBe(true);
    expect((await checkpoints.findMany(['cp-1', 'nope'])).get('cp-1')?.position).toEqual(time);
  });

  it("refuses an old owner's write once a new owner took the lease and claimed the checkpoint", async () => {
    const old = (await leases.tryAcquire('cp-2', 'a', 1))!;
    expect(await checkpoints.save('cp-2', position('8201'), 0, old.token)).toBe(true);
    await waitUntilExpired(old.expiresAt);

    const next = (await leases.tryAcquire('cp-2', 'b', 10_000))!;
    expect(next.token).toBeGreaterThan(old.token);
    const claim = await checkpoints.claim('cp-2', next.token);
    expect(claim.claimed).toBe(true);
    expect(tokenOf(claim.checkpoint)).toEqual({ _data: '8201' });

    expect(await checkpoints.save('cp-2', position('8299'), 0, old.token)).toBe(false);
    expect(tokenOf(await checkpoints.find('cp-2'))).toEqual({ _data: '8201' });
    expect(await checkpoints.save('cp-2', position('8202'), 0, next.token)).toBe(true);
    const stored = await checkpoints.find('cp-2');
    expect(tokenOf(stored)).toEqual({ _data: '8202' });
    expect(stored?.leaseToken).toBe(next.token);
  });

  it('lets a new owner start from what the old one wrote before the claim, and refuses it after', async () => {
    const old = (await leases.tryAcquire('cp-3', 'a', 1))!;
    await waitUntilExpired(old.expiresAt);
    const next = (await leases.tryAcquire('cp-3', 'b', 10_000))!;
    // Before the claim the old owner's write still lands: the claim returns it, so it is where
    // the new owner resumes (nothing skipped, nothing it could later overwrite).
    expect(await checkpoints.save('cp-3', position('8201'), 0, old.token)).toBe(true);
    expect(tokenOf((await checkpoints.claim('cp-3', next.token)).checkpoint)).toEqual({
      _data: '8201',
    });
    expect(await checkpoints.save('cp-3', position('8202'), 0, old.token)).toBe(false);
    expect(await checkpoints.save('cp-3', position('8203'), 0, next.token)).toBe(true);
  });

  it('refuses a claim by an older token', async () => {
    const lease = (await leases.tryAcquire('cp-4', 'a', 10_000))!;
    await checkpoints.save('cp-4', position('8201'), 0, lease.token);
    expect((await checkpoints.claim('cp-4', lease.token - 1)).claimed).toBe(false);
    expect((await checkpoints.claim('cp-4', lease.token)).claimed).toBe(true);
  });

  it('keeps the epoch of the writer, so a recreated subscription ignores a stray old checkpoint', async () => {
    const lease = (await leases.tryAcquire('cp-5', 'a', 10_000))!;
    await leases.delete('cp-5');
    await checkpoints.delete('cp-5');
    // A worker of the deleted subscription, still draining, writes once more.
    expect(await checkpoints.save('cp-5', position('8201'), 1_000, lease.token)).toBe(true);
    const stray = (await checkpoints.find('cp-5'))!;
    expect(checkpointBelongsTo(stray, { epoch: 1_000 })).toBe(true);
    expect(checkpointBelongsTo(stray, { epoch: 2_000 })).toBe(false);
  });
});

/** Leases are compared with the clock: wait (by condition) until this one is in the past. */
async function waitUntilExpired(expiresAt: Date): Promise<void> {
  await waitFor(() => Date.now() > expiresAt.getTime(), {
    intervalMs: 1,
    description: 'the lease to expire',
  });
}
