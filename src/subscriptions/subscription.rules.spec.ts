import fc from 'fast-check';
import { ALLOWED_PIPELINE_STAGES, FORBIDDEN_PIPELINE_OPERATORS } from '@app/relay';
import {
  handlerViolations,
  headerViolations,
  pipelineViolations,
  startFromViolations,
  subscriptionViolations,
  type SubscriptionDraft,
} from './subscription.rules';
import { SUBSCRIPTION_DEFAULTS } from './subscription.defaults';

describe('subscription rules', () => {
  describe(pipelineViolations.name, () => {
    it.each(ALLOWED_PIPELINE_STAGES.map((stage) => [stage]))(
      'accepts a %s stage that keeps _id',
      (stage) => {
        const bodies: Record<string, unknown> = {
          $match: { operationType: 'insert' },
          $project: { fullDocument: 1, documentKey: 1 },
          $addFields: { 'fullDocument.seen': true },
          $set: { note: 'x' },
          $unset: 'fullDocument.secret',
          $replaceRoot: { newRoot: { $mergeObjects: ['$fullDocument', { _id: '$_id' }] } },
          $replaceWith: { _id: '$_id', doc: '$fullDocument' },
          $redact: { $cond: [{ $eq: ['$level', 5] }, '$$PRUNE', '$$KEEP'] },
        };
        expect(pipelineViolations([{ [stage]: bodies[stage] }])).toEqual([]);
      },
    );

    it.each([['$group'], ['$lookup'], ['$out'], ['$merge'], ['$limit'], ['$sort']])(
      'refuses a %s stage, naming the allowed ones',
      (stage) => {
        const [reason] = pipelineViolations([{ $match: {} }, { [stage]: {} }]);
        expect(reason).toContain(`stage 1 (${stage}) is not allowed`);
        expect(reason).toContain('$match, $project');
      },
    );

    it('refuses a stage with no operator or with two', () => {
      expect(pipelineViolations([{}])).toEqual(['stage 0 must have exactly one operator, found 0']);
      expect(pipelineViolations([{ $match: {}, $project: {} }])).toEqual([
        'stage 0 must have exactly one operator, found 2',
      ]);
      expect(pipelineViolations(['$match'])).toEqual([
        'stage 0 must be an object such as { "$match": { ... } }',
      ]);
    });

    it.each(FORBIDDEN_PIPELINE_OPERATORS.map((operator) => [operator]))(
      'refuses %s at any depth',
      (operator) => {
        const hidden = {
          $match: {
            $and: [{ a: 1 }, { $expr: { $or: [{ b: { $in: [1, { [operator]: 'x' }] } }] } }],
          },
        };
        expect(pipelineViolations([hidden])).toEqual([
          `stage 0 ($match) uses ${operator}: server-side JavaScript is not allowed`,
        ]);
      },
    );

    it('finds server-side JavaScript wherever it is nested (property)', () => {
      const json = fc.letrec((tie) => ({
        value: fc.oneof(
          { depthSize: 'small' },
          fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)),
          fc.array(tie('value'), { maxLength: 3 }),
          fc.dictionary(
            fc.string().filter((key) => !key.startsWith('$')),
            tie('value'),
            { maxKeys: 3 },
          ),
        ),
      })).value;
      fc.assert(
        fc.property(
          json,
          fc.constantFrom(...FORBIDDEN_PIPELINE_OPERATORS),
          fc.nat(),
          (value, operator, seed) => {
            const stage = {
              $match: {
                wrapper: plant(value, { [operator]: 'function () { return true }' }, seed),
              },
            };
            return pipelineViolations([stage]).some((reason) =>
              reason.includes(`uses ${operator}`),
            );
          },
        ),
      );
    });

    it.each([
      [{ $project: { _id: '$fullDocument._id' } }],
      [{ $project: { _id: { $literal: 1 } } }],
      [{ $project: { _id: '0' } }],
      [{ $project: { _id: { $numberInt: '0' } } }],
      [{ $project: { '_id._data': 0 } }],
      [{ $unset: '_id._data' }],
      [{ $set: { '_id._data': 'forged' } }],
      [{ $redact: { $cond: [{ $eq: ['$x', 1] }, '$$PRUNE', '$$DESCEND'] } }],
      [{ $replaceRoot: { newRoot: { $mergeObjects: [{ _id: '$_id' }, '$fullDocument'] } } }],
    ])('refuses %j, which would lose the resume token at the first event', (stage) => {
      expect(pipelineViolations([stage])).toEqual([expect.stringMatching(/_id|DESCEND/)]);
    });

    it('keeps an inclusion projection of _id', () => {
      expect(pipelineViolations([{ $project: { _id: 1, fullDocument: 1 } }])).toEqual([]);
      expect(pipelineViolations([{ $project: { fullDocument: 0 } }])).toEqual([]);
    });

    it.each([
      [{ $match: { at: { $date: 'not a date' } } }, /stage 0: \$match\.at\.\$date: \$date must be/],
      [{ $match: { _id: { $oid: 'nope' } } }, /\$match\._id\.\$oid/],
      [JSON.parse('{"$match": {"__proto__": {"x": 1}}}'), /"__proto__" is not allowed/],
      [{ $match: { constructor: 'x' } }, /"constructor" is not allowed/],
    ])('refuses invalid Extended JSON or prototype keys in %j', (stage, reason) => {
      expect(pipelineViolations([stage])).toEqual([expect.stringMatching(reason)]);
    });

    it('refuses stages that would change or drop _id (the resume token)', () => {
      expect(pipelineViolations([{ $project: { _id: 0 } }])[0]).toContain('must not exclude');
      expect(pipelineViolations([{ $unset: ['a', '_id'] }])[0]).toContain('must not remove _id');
      expect(pipelineViolations([{ $set: { _id: 'x' } }])[0]).toContain('must not change _id');
      expect(pipelineViolations([{ $addFields: { '_id.a': 1 } }])[0]).toContain(
        'must not change _id',
      );
      expect(pipelineViolations([{ $replaceRoot: { newRoot: '$fullDocument' } }])[0]).toContain(
        'must keep _id',
      );
      expect(pipelineViolations([{ $replaceWith: { doc: '$fullDocument' } }])[0]).toContain(
        'must keep _id',
      );
    });

    it('refuses absurdly deep nesting instead of walking it', () => {
      let deep: unknown = 1;
      for (let i = 0; i < 200; i++) {
        deep = { a: deep };
      }
      expect(pipelineViolations([{ $match: deep as Record<string, unknown> }])[0]).toContain(
        'nested deeper than',
      );
    });
  });

  describe(headerViolations.name, () => {
    it('accepts ordinary headers', () => {
      expect(headerViolations({ 'x-api-key': 'abc', Accept: 'application/json' })).toEqual([]);
    });

    it('refuses invalid names, reserved headers, line breaks and non-strings', () => {
      expect(headerViolations({ 'bad name': 'x' })).toEqual([
        '"bad name" is not a valid header name',
      ]);
      expect(headerViolations({ 'Webhook-Signature': 'x' })[0]).toContain('cannot be overridden');
      expect(headerViolations({ 'content-type': 'text/plain' })[0]).toContain(
        'cannot be overridden',
      );
      expect(headerViolations({ 'x-a': 'a\r\nb' })[0]).toContain('without line breaks');
      expect(headerViolations({ 'x-a': 1 })).toEqual(['"x-a" must have a string value']);
    });
  });

  describe(handlerViolations.name, () => {
    it('needs a name for a provider and no webhook fields', () => {
      expect(handlerViolations({ type: 'provider', name: 'reserve-stock' })).toEqual([]);
      expect(handlerViolations({ type: 'provider' })).toEqual([
        { field: 'handler.name', reason: 'name is required when type is provider' },
      ]);
      expect(
        handlerViolations({ type: 'provider', name: 'a', url: 'http://x', secret: 'abcdefgh' }),
      ).toEqual([
        { field: 'handler.url', reason: 'url is only allowed when type is webhook' },
        { field: 'handler.secret', reason: 'secret is only allowed when type is webhook' },
      ]);
    });

    it('needs a url for a webhook and no provider name', () => {
      expect(handlerViolations({ type: 'webhook', url: 'https://x.example/hook' })).toEqual([]);
      expect(handlerViolations({ type: 'webhook', name: 'a' })).toEqual([
        { field: 'handler.url', reason: 'url is required when type is webhook' },
        { field: 'handler.name', reason: 'name is only allowed when type is provider' },
      ]);
    });
  });

  describe(startFromViolations.name, () => {
    const now = new Date('2026-01-01T00:00:00Z');

    it('needs a past timestamp for position=timestamp, and none for now', () => {
      expect(startFromViolations({ position: 'now' }, now)).toEqual([]);
      expect(
        startFromViolations(
          { position: 'timestamp', timestamp: new Date('2025-12-31T00:00:00Z') },
          now,
        ),
      ).toEqual([]);
      expect(startFromViolations({ position: 'timestamp' }, now)).toEqual([
        {
          field: 'startFrom.timestamp',
          reason: 'timestamp is required when position is timestamp',
        },
      ]);
      expect(
        startFromViolations(
          { position: 'timestamp', timestamp: new Date('2026-02-01T00:00:00Z') },
          now,
        ),
      ).toEqual([{ field: 'startFrom.timestamp', reason: 'timestamp must not be in the future' }]);
      expect(startFromViolations({ position: 'now', timestamp: now }, now)).toEqual([
        {
          field: 'startFrom.timestamp',
          reason: 'timestamp is only allowed when position is timestamp',
        },
      ]);
    });
  });

  describe(subscriptionViolations.name, () => {
    const valid: SubscriptionDraft = {
      name: 'orders',
      serviceName: 'shop',
      description: '',
      source: {
        ...SUBSCRIPTION_DEFAULTS.source,
        database: 'shop',
        collections: [],
        operationTypes: [],
        pipeline: [],
      },
      handler: { type: 'provider', name: 'reserve-stock' },
      delivery: { ...SUBSCRIPTION_DEFAULTS.delivery },
      retry: { ...SUBSCRIPTION_DEFAULTS.retry },
      deadLetter: { ...SUBSCRIPTION_DEFAULTS.deadLetter },
      startFrom: { position: 'now' },
    };

    it('accepts the defaults', () => {
      expect(subscriptionViolations(valid, new Date())).toEqual([]);
    });

    it('collects every cross-field problem with its field', () => {
      const draft: SubscriptionDraft = {
        ...valid,
        handler: { type: 'webhook' },
        source: { ...valid.source, pipeline: [{ $group: {} }] },
        retry: { ...valid.retry, initialDelayMs: 10_000, maxDelayMs: 1_000 },
      };
      expect(subscriptionViolations(draft, new Date()).map((detail) => detail.field)).toEqual([
        'handler.url',
        'source.pipeline',
        'retry.initialDelayMs',
      ]);
    });
  });
});

/** Puts `needle` somewhere inside `value` (chosen by `seed`), replacing a leaf or adding a key. */
function plant(value: unknown, needle: Record<string, unknown>, seed: number): unknown {
  if (Array.isArray(value) && value.length > 0) {
    const index = seed % value.length;
    return value.map((item, i) => (i === index ? plant(item, needle, Math.floor(seed / 2)) : item));
  }
  if (
    value !== null &&
    typeof value === 'object' &&
    Object.keys(value).length > 0 &&
    seed % 3 !== 0
  ) {
    const keys = Object.keys(value);
    const key = keys[seed % keys.length];
    return {
      ...value,
      [key]: plant((value as Record<string, unknown>)[key], needle, Math.floor(seed / 2)),
    };
  }
  return { nested: value, ...needle };
}
