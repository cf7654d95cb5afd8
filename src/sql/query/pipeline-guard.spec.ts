import { DomainError } from '@app/relay';
import { assertSafePipeline } from './pipeline-guard';

function refusal(collection: string, pipeline: unknown[]): string | undefined {
  try {
    assertSafePipeline(collection, pipeline);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return (error as DomainError).message;
  }
}

describe(assertSafePipeline.name, () => {
  it('accepts the collections of the tables and their joins', () => {
    expect(
      refusal('subscriptions', [
        { $lookup: { from: 'metrics_minutely', pipeline: [], as: 'm' } },
        {
          $lookup: {
            from: 'leases',
            pipeline: [{ $lookup: { from: 'checkpoints', pipeline: [], as: 'c' } }],
            as: 'l',
          },
        },
        { $match: { $expr: { $eq: ['$name', { $literal: { $where: 'data, not code' } }] } } },
      ]),
    ).toBeUndefined();
  });

  it.each([
    ['another collection', 'sql_views', []],
    [
      'another collection through $lookup',
      'subscriptions',
      [{ $lookup: { from: 'api_tokens', pipeline: [], as: 'x' } }],
    ],
    [
      'another collection nested in a $lookup',
      'subscriptions',
      [{ $lookup: { from: 'leases', pipeline: [{ $unionWith: { coll: 'audit_log' } }], as: 'x' } }],
    ],
    [
      'another database',
      'subscriptions',
      [{ $lookup: { from: 'leases', db: 'admin', pipeline: [], as: 'x' } }],
    ],
    ['$where', 'subscriptions', [{ $match: { $where: 'sleep(1000)' } }]],
    [
      '$function',
      'subscriptions',
      [{ $project: { x: { $function: { body: 'x', args: [], lang: 'js' } } } }],
    ],
    ['$accumulator', 'subscriptions', [{ $group: { _id: null, x: { $accumulator: {} } } }]],
    ['$out', 'subscriptions', [{ $out: 'copy' }]],
    ['$merge', 'subscriptions', [{ $merge: { into: 'copy' } }]],
    ['$graphLookup', 'subscriptions', [{ $graphLookup: { from: 'leases' } }]],
  ])('refuses %s', (_case, collection, pipeline) => {
    expect(refusal(collection, pipeline)).toMatch(/may not read|is refused/);
  });
});
