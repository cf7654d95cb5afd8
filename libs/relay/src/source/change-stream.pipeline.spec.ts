import { Timestamp } from 'bson';
import { MongoChangeStreamError, MongoServerError } from 'mongodb';
import { buildSubscription } from '../../test/support/subscription.fixture';
import { classifyStreamError } from './change-stream.errors';
import { buildWatchOptions, buildWatchPipeline } from './change-stream.pipeline';
import { clusterTimeOfToken, sameToken } from './resume-token';

describe('change stream pipeline and options', () => {
  it('filters collections and operation types before the user pipeline', () => {
    const { source } = buildSubscription({
      source: {
        collections: ['orders', 'refunds'],
        operationTypes: ['insert', 'update'],
        pipeline: [
          { $match: { 'fullDocument.total': { $gt: 100 } } },
          { $project: { fullDocument: 1 } },
        ],
      },
    });
    expect(buildWatchPipeline(source)).toEqual([
      {
        $match: {
          'ns.coll': { $in: ['orders', 'refunds'] },
          operationType: { $in: ['insert', 'update'] },
        },
      },
      { $match: { 'fullDocument.total': { $gt: 100 } } },
      { $project: { fullDocument: 1 } },
    ]);
  });

  it('watches everything when nothing is filtered', () => {
    expect(buildWatchPipeline(buildSubscription().source)).toEqual([]);
  });

  it('resumes after a token position, starts at a time position, with document modes as set', () => {
    const at = new Timestamp({ t: 10, i: 1 });
    const source = buildSubscription({
      source: { fullDocument: 'updateLookup', fullDocumentBeforeChange: 'whenAvailable' },
    }).source;
    expect(
      buildWatchOptions(
        source,
        { kind: 'token', resumeToken: { _data: '82AA' }, clusterTime: at },
        { maxAwaitTimeMs: 500 },
      ),
    ).toEqual({
      maxAwaitTimeMS: 500,
      fullDocument: 'updateLookup',
      fullDocumentBeforeChange: 'whenAvailable',
      startAfter: { _data: '82AA' },
    });
    expect(
      buildWatchOptions(
        buildSubscription().source,
        { kind: 'time', clusterTime: at },
        { maxAwaitTimeMs: 500 },
      ),
    ).toEqual({
      maxAwaitTimeMS: 500,
      startAtOperationTime: at,
    });
  });
});

describe(classifyStreamError.name, () => {
  const serverError = (code: number, message: string) =>
    new MongoServerError({ code, errmsg: message, ok: 0 });

  it.each([
    [286, /ChangeStreamHistoryLost/],
    [280, /ChangeStreamFatalError/],
    [260, /InvalidResumeToken/],
    // An event over 16 MiB the server could not split: a restart would fail on it again.
    [10334, /BSONObjectTooLarge/],
  ])('treats code %i as fatal', (code, reason) => {
    expect(classifyStreamError(serverError(code, 'boom'))).toEqual({
      code,
      reason: expect.stringMatching(reason),
    });
  });

  it('treats a missing resume token as fatal', () => {
    expect(classifyStreamError(new MongoChangeStreamError('lacks a resume token'))).toMatchObject({
      reason: expect.stringContaining('lacks a resume token'),
    });
  });

  it('leaves everything else to a restart', () => {
    expect(classifyStreamError(serverError(43, 'cursor not found'))).toBeUndefined();
    expect(classifyStreamError(serverError(40324, 'Unrecognized pipeline stage'))).toBeUndefined();
    expect(classifyStreamError(new Error('network'))).toBeUndefined();
  });
});

describe('resume tokens', () => {
  it('reads the cluster time out of a token', () => {
    expect(clusterTimeOfToken({ _data: '8265A1B2C3000000012B022C0100296E5A1004' })).toEqual(
      new Timestamp({ t: 0x65a1b2c3, i: 1 }),
    );
    expect(clusterTimeOfToken({ _data: 'zz' })).toBeUndefined();
    expect(clusterTimeOfToken(null)).toBeUndefined();
  });

  it('compares tokens by their data', () => {
    expect(sameToken({ _data: '82AA' }, { _data: '82AA' })).toBe(true);
    expect(sameToken({ _data: '82AA' }, { _data: '82AB' })).toBe(false);
    expect(sameToken(undefined, { _data: '82AA' })).toBe(false);
  });
});
