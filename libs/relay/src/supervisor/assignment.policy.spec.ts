import fc from 'fast-check';
import {
  AssignmentPolicy,
  fairShare,
  type PolicyInstance,
  type PolicySubscription,
} from './assignment.policy';

const policy = new AssignmentPolicy();

/** Owner per subscription, evolved by letting instances decide one after another. */
type Owners = Map<string, string>;

function step(
  self: PolicyInstance,
  instances: PolicyInstance[],
  subscriptions: PolicySubscription[],
  owners: Owners,
): { released: string[]; taken: string[] } {
  const held = new Set([...owners].filter(([, o]) => o === self.id).map(([n]) => n));
  const heldElsewhere = new Set([...owners].filter(([, o]) => o !== self.id).map(([n]) => n));
  const decision = policy.decide({ self, instances, subscriptions, held, heldElsewhere });
  decision.release.forEach((name) => owners.delete(name));
  decision.acquire.forEach((name) => owners.set(name, self.id));
  return { released: decision.release, taken: decision.acquire };
}

/** Rounds of every instance deciding, until a round changes nothing. Returns the rounds used. */
function converge(
  instances: PolicyInstance[],
  subscriptions: PolicySubscription[],
  owners: Owners,
): number {
  for (let round = 1; round <= 20; round++) {
    let moves = 0;
    for (const self of instances) {
      const { released, taken } = step(self, instances, subscriptions, owners);
      moves += released.length + taken.length;
    }
    if (moves === 0) {
      return round;
    }
  }
  throw new Error('no convergence within 20 rounds');
}

const subs = (count: number, handler = 'webhook'): PolicySubscription[] =>
  Array.from({ length: count }, (_, i) => ({ name: `${handler}-${i}`, handler }));
const instance = (id: string, handlers = ['webhook'], maxSubscriptions?: number) => ({
  id,
  handlers,
  ...(maxSubscriptions !== undefined ? { maxSubscriptions } : {}),
});
const countsOf = (owners: Owners) => {
  const counts = new Map<string, number>();
  owners.forEach((owner) => counts.set(owner, (counts.get(owner) ?? 0) + 1));
  return counts;
};

describe(AssignmentPolicy.name, () => {
  it('spreads 30 subscriptions 10/10/10 over three instances, then 15/15 and back', () => {
    const all = subs(30);
    const [a, b, c] = ['a', 'b', 'c'].map((id) => instance(id));
    const owners: Owners = new Map();
    // a starts alone and takes everything.
    converge([a], all, owners);
    expect(countsOf(owners).get('a')).toBe(30);
    // b and c join: a releases its surplus, the newcomers take it.
    converge([a, b, c], all, owners);
    expect([...countsOf(owners).values()].sort()).toEqual([10, 10, 10]);
    // c dies: its leases expire (forgotten), the others take its share.
    [...owners].filter(([, o]) => o === 'c').forEach(([n]) => owners.delete(n));
    converge([a, b], all, owners);
    expect([...countsOf(owners).values()].sort()).toEqual([15, 15]);
    converge([a, b, c], all, owners);
    expect([...countsOf(owners).values()].sort()).toEqual([10, 10, 10]);
  });

  it('never gives an instance a subscription whose handler it lacks', () => {
    const all = [...subs(6, 'webhook'), ...subs(4, 'inventory.reserve')];
    const server = instance('server', ['log', 'webhook']);
    const inventory = instance('inventory', ['inventory.reserve']);
    const owners: Owners = new Map();
    converge([server, inventory], all, owners);
    for (const [name, owner] of owners) {
      expect(owner).toBe(name.startsWith('webhook') ? 'server' : 'inventory');
    }
    expect(owners.size).toBe(10);
  });

  it('respects MAX_SUBSCRIPTIONS_PER_INSTANCE and spreads the rest over the others', () => {
    expect(fairShare(30, [instance('a', [], 4), instance('b'), instance('c')], 'b')).toBe(13);
    expect(fairShare(30, [instance('a', [], 4), instance('b'), instance('c')], 'a')).toBe(4);
    const all = subs(30);
    const owners: Owners = new Map();
    converge([instance('a', ['webhook'], 4), instance('b'), instance('c')], all, owners);
    const counts = countsOf(owners);
    expect(counts.get('a')).toBe(4);
    expect(owners.size).toBe(30);
  });

  it('is stable: with nothing changed, a pass moves nothing', () => {
    const all = subs(31);
    const instances = ['a', 'b', 'c'].map((id) => instance(id));
    const owners: Owners = new Map();
    converge(instances, all, owners);
    const before = new Map(owners);
    for (const self of instances) {
      expect(step(self, instances, all, owners)).toEqual({ released: [], taken: [] });
    }
    expect(owners).toEqual(before);
  });

  it('converges to a full, fair, stable assignment from any start (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 60 }),
        fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 60 }),
        fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }),
        (instanceCount, subCount, initialOwners, cap) => {
          const instances = Array.from({ length: instanceCount }, (_, i) =>
            instance(`i${i}`, ['webhook'], i === 0 ? cap : undefined),
          );
          const all = subs(subCount);
          const owners: Owners = new Map();
          all.forEach((s, i) => {
            const o = initialOwners[i];
            if (o !== undefined && o < instanceCount) {
              owners.set(s.name, `i${o}`);
            }
          });
          converge(instances, all, owners);
          // Everything runs somewhere (as far as the caps allow), nobody exceeds its share.
          const capacity = instances.reduce((sum, i) => sum + (i.maxSubscriptions ?? subCount), 0);
          expect(owners.size).toBe(Math.min(subCount, capacity));
          for (const self of instances) {
            const held = countsOf(owners).get(self.id) ?? 0;
            expect(held).toBeLessThanOrEqual(fairShare(subCount, instances, self.id));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
