import { ObjectId, Timestamp } from 'bson';
import { DEFAULT_JOURNAL_SETTINGS, type Subscription } from '@app/relay';
import type { CreateSubscriptionInput } from './dto/create-subscription.input';
import {
  definitionFromDraft,
  draftFromCreateInput,
  draftFromPatch,
  sameDefinition,
} from './subscription.draft';
import { SUBSCRIPTION_DEFAULTS } from './subscription.defaults';
import { subscriptionViolations } from './subscription.rules';
import { MASKED_VALUE, toSubscriptionView } from './subscription.view';

const minimal: CreateSubscriptionInput = {
  name: 'orders-to-billing',
  source: { database: 'shop' },
  handler: {
    type: 'webhook',
    url: 'https://billing.example/hooks',
    secret: 'whsec_c2VjcmV0LXNlY3JldA==',
  },
};

function stored(overrides: Partial<Subscription> = {}): Subscription {
  const definition = definitionFromDraft(draftFromCreateInput(minimal, 'shop'));
  return {
    ...definition,
    startAtOperationTime: new Timestamp({ t: 1_700_000_000, i: 1 }),
    epoch: 1,
    desiredState: 'active',
    revision: 3,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: new Date('2026-01-01T00:00:00Z'),
    ...overrides,
  };
}

describe('subscription drafts', () => {
  describe(draftFromCreateInput.name, () => {
    it('fills every default and the instance service name', () => {
      const definition = definitionFromDraft(draftFromCreateInput(minimal, 'shop'));
      expect(definition).toEqual({
        name: 'orders-to-billing',
        serviceName: 'shop',
        description: '',
        source: { ...SUBSCRIPTION_DEFAULTS.source, database: 'shop' },
        handler: {
          type: 'webhook',
          url: 'https://billing.example/hooks',
          secret: 'whsec_c2VjcmV0LXNlY3JldA==',
          timeoutMs: SUBSCRIPTION_DEFAULTS.webhook.timeoutMs,
          headers: {},
        },
        delivery: SUBSCRIPTION_DEFAULTS.delivery,
        retry: SUBSCRIPTION_DEFAULTS.retry,
        deadLetter: SUBSCRIPTION_DEFAULTS.deadLetter,
        journal: DEFAULT_JOURNAL_SETTINGS,
        startFrom: { position: 'now' },
      });
    });

    it('takes the journal with its defaults, the correlation paths and the owner service', () => {
      const draft = draftFromCreateInput(
        {
          ...minimal,
          source: { database: 'shop', ownerService: 'orders' },
          journal: { enabled: true, fields: { total: 'fullDocument.total' } },
          correlation: { idPath: 'fullDocument.orderId', processPath: null },
        } as unknown as CreateSubscriptionInput,
        'shop',
      );
      expect(draft.source.ownerService).toBe('orders');
      expect(draft.journal).toEqual({
        enabled: true,
        retentionHours: 24,
        sampleRate: 1,
        fields: { total: 'fullDocument.total' },
      });
      expect(draft.correlation).toEqual({ idPath: 'fullDocument.orderId' });
    });

    it('treats GraphQL nulls as "not given"', () => {
      const draft = draftFromCreateInput(
        {
          ...minimal,
          description: null,
          delivery: { concurrency: null, ordering: 'strict' },
        } as unknown as CreateSubscriptionInput,
        'shop',
      );
      expect(draft.description).toBe('');
      expect(draft.delivery).toEqual({ ...SUBSCRIPTION_DEFAULTS.delivery, ordering: 'strict' });
    });

    it('reads Extended JSON in the pipeline as BSON values', () => {
      const id = new ObjectId();
      const draft = draftFromCreateInput(
        {
          ...minimal,
          source: {
            database: 'shop',
            pipeline: [{ $match: { 'documentKey._id': { $oid: id.toHexString() } } }],
          },
        },
        'shop',
      );
      const match = draft.source.pipeline[0].$match as Record<string, unknown>;
      expect(match['documentKey._id']).toEqual(id);
    });
  });

  describe(draftFromPatch.name, () => {
    it('merges objects field by field and keeps the rest', () => {
      const current = stored();
      const draft = draftFromPatch(current, {
        delivery: { concurrency: 2 },
        source: { collections: ['orders'] },
      });
      expect(draft.delivery).toEqual({ ...current.delivery, concurrency: 2 });
      expect(draft.source).toEqual({ ...current.source, collections: ['orders'] });
      expect(draft.handler).toEqual(current.handler);
    });

    it('keeps the webhook secret when a patch changes only the url', () => {
      const draft = draftFromPatch(stored(), { handler: { url: 'https://other.example/hooks' } });
      expect(draft.handler).toMatchObject({
        type: 'webhook',
        url: 'https://other.example/hooks',
        secret: 'whsec_c2VjcmV0LXNlY3JldA==',
      });
    });

    it('replaces the handler when the type changes, so no webhook field lingers', () => {
      const draft = draftFromPatch(stored(), {
        handler: { type: 'provider', name: 'reserve-stock' },
      });
      expect(definitionFromDraft(draft).handler).toEqual({
        type: 'provider',
        name: 'reserve-stock',
      });
    });

    it('lets the rules see an incomplete merged handler', () => {
      const draft = draftFromPatch(stored(), { handler: { type: 'provider' } });
      expect(subscriptionViolations(draft, new Date())).toEqual([
        { field: 'handler.name', reason: 'name is required when type is provider' },
      ]);
    });

    it('checks the merged retry delays, not only the patched one', () => {
      const draft = draftFromPatch(stored(), { retry: { initialDelayMs: 120_000 } });
      expect(subscriptionViolations(draft, new Date())).toEqual([
        {
          field: 'retry.initialDelayMs',
          reason: 'initialDelayMs must not be greater than maxDelayMs',
        },
      ]);
    });
  });

  describe(sameDefinition.name, () => {
    it('sees a patch that changes nothing as no change, whatever the key order', () => {
      const current = stored();
      const unchanged = {
        ...current,
        ...definitionFromDraft(draftFromPatch(current, { delivery: { concurrency: 8 } })),
      };
      const { timeoutMs, ...delivery } = current.delivery;
      const reordered = { ...current, delivery: { timeoutMs, ...delivery } };
      expect(sameDefinition(current, unchanged)).toBe(true);
      expect(sameDefinition(current, reordered)).toBe(true);
      expect(sameDefinition(current, { ...current, description: 'x' })).toBe(false);
      expect(
        sameDefinition(current, { ...current, delivery: { ...current.delivery, batchSize: 2 } }),
      ).toBe(false);
    });

    it('ignores what is not the definition: revision, desired state, start time and dates', () => {
      const current = stored();
      const rewritten: Subscription = {
        ...current,
        revision: current.revision + 1,
        desiredState: 'paused',
        startAtOperationTime: new Timestamp({ t: 1_800_000_000, i: 1 }),
        updatedAt: new Date('2026-02-01T00:00:00Z'),
      };
      expect(sameDefinition(current, rewritten)).toBe(true);
    });
  });

  describe(toSubscriptionView.name, () => {
    it('never returns the secret or credential-like header values', () => {
      const subscription = stored({
        handler: {
          type: 'webhook',
          url: 'https://billing.example/hooks',
          secret: 'whsec_c2VjcmV0LXNlY3JldA==',
          timeoutMs: 5_000,
          headers: { Authorization: 'Bearer abc', 'x-tenant': 'eu' },
        },
      });
      const view = toSubscriptionView(subscription);
      expect(JSON.stringify(view)).not.toContain('whsec_c2VjcmV0LXNlY3JldA==');
      expect(JSON.stringify(view)).not.toContain('Bearer abc');
      expect(view.handler).toEqual({
        type: 'webhook',
        name: 'webhook',
        url: 'https://billing.example/hooks',
        secretSet: true,
        timeoutMs: 5_000,
        headers: { Authorization: MASKED_VALUE, 'x-tenant': 'eu' },
      });
    });

    it('shows the state, the start time and the pipeline as Extended JSON', () => {
      const id = new ObjectId();
      const view = toSubscriptionView(
        stored({
          source: { ...stored().source, pipeline: [{ $match: { 'documentKey._id': id } }] },
          stale: { reason: 'history lost', code: 286, at: new Date() },
        }),
      );
      expect(view.state).toBe('stale');
      expect(view.startAt).toEqual(new Date(1_700_000_000_000));
      expect(view.source.pipeline).toEqual([
        { $match: { 'documentKey._id': { $oid: id.toHexString() } } },
      ]);
    });
  });
});
