import { createHash } from 'node:crypto';

/** A live instance as the policy sees it (from `instances` heartbeats). */
export interface PolicyInstance {
  id: string;
  /** Handler names it can run (none when it runs no workers). */
  handlers: readonly string[];
  /** Its MAX_SUBSCRIPTIONS_PER_INSTANCE, if it has one. */
  maxSubscriptions?: number;
}

/** A subscription that should run somewhere (active, not stale). */
export interface PolicySubscription {
  name: string;
  /** The handler name an instance needs to run it. */
  handler: string;
}

export interface AssignmentInput {
  self: PolicyInstance;
  /** Every live instance; `self` is added when its first heartbeat has not landed yet. */
  instances: readonly PolicyInstance[];
  subscriptions: readonly PolicySubscription[];
  /** Subscriptions this instance runs now (workers not being stopped). */
  held: ReadonlySet<string>;
  /** Subscriptions whose lease another instance holds (live, unexpired). */
  heldElsewhere: ReadonlySet<string>;
}

export interface AssignmentDecision {
  /** To release gracefully (surplus over the fair share), in a stable order. */
  release: string[];
  /** To try to take (free leases), best candidates first; at most the room left. */
  acquire: string[];
}

/**
 * Which subscriptions this instance should own. Per handler name, the subscriptions that need
 * it are shared among the live instances that have it: each holds at most its fair share,
 * ⌈subscriptions ÷ instances⌉ (water-filled around instances capped lower by
 * MAX_SUBSCRIPTIONS_PER_INSTANCE). An instance over its share releases the surplus; one under
 * it takes free leases. Nothing moves while membership and subscriptions stay the same: an
 * instance at its share neither releases nor takes. Choices are deterministic: each instance
 * ranks subscriptions by a hash of (subscription, instance), releasing the ones it ranks last
 * and taking the ones it ranks first, so repeated passes pick the same ones and two instances
 * do not chase the same surplus.
 */
export class AssignmentPolicy {
  decide(input: AssignmentInput): AssignmentDecision {
    const { self } = input;
    const instances = input.instances.some((i) => i.id === self.id)
      ? input.instances
      : [...input.instances, self];
    const byHandler = groupBy(input.subscriptions, (s) => s.handler);
    const release: string[] = [];
    const acquire: string[] = [];
    let total = 0;
    const cap = self.maxSubscriptions ?? Number.POSITIVE_INFINITY;

    for (const handler of [...byHandler.keys()].sort()) {
      if (!self.handlers.includes(handler)) {
        continue;
      }
      const names = byHandler.get(handler)!.map((s) => s.name);
      const eligible = instances.filter((i) => i.handlers.includes(handler));
      const share = fairShare(names.length, eligible, self.id);
      const mine = rank(
        names.filter((name) => input.held.has(name)),
        self.id,
      );
      if (mine.length > share) {
        release.push(...mine.slice(share));
      }
      const kept = Math.min(mine.length, share);
      total += kept;
      const free = rank(
        names.filter((name) => !input.held.has(name) && !input.heldElsewhere.has(name)),
        self.id,
      );
      acquire.push(...free.slice(0, Math.max(0, share - kept)));
    }
    // The instance-wide cap: surplus beyond it goes too (last-ranked first), and takes stop there.
    if (total > cap) {
      const kept = rank(
        input.subscriptions
          .map((s) => s.name)
          .filter((n) => input.held.has(n) && !release.includes(n)),
        self.id,
      );
      release.push(...kept.slice(cap));
    }
    const room = Math.max(0, cap - Math.min(total, cap));
    return { release, acquire: acquire.slice(0, room) };
  }
}

/**
 * This instance's share of `count` subscriptions among `eligible` instances: the plain
 * ⌈count ÷ n⌉, raised when some instances are capped below it (their remainder is spread over
 * the others). Capped at this instance's own maximum.
 */
export function fairShare(
  count: number,
  eligible: readonly PolicyInstance[],
  selfId: string,
): number {
  if (!eligible.some((i) => i.id === selfId)) {
    return 0;
  }
  const caps = eligible
    .map((i) => ({ id: i.id, cap: i.maxSubscriptions ?? Number.POSITIVE_INFINITY }))
    .sort((a, b) => a.cap - b.cap || a.id.localeCompare(b.id));
  let remaining = count;
  for (let index = 0; index < caps.length; index++) {
    const even = Math.ceil(remaining / (caps.length - index));
    const { id, cap } = caps[index];
    if (cap >= even) {
      // Everyone from here on is capped at least this high: they all get `even`.
      return even;
    }
    if (id === selfId) {
      return cap;
    }
    remaining = Math.max(0, remaining - cap);
  }
  return 0;
}

/** Stable order of preference of `instanceId` for subscriptions: its favourites first. */
function rank(names: string[], instanceId: string): string[] {
  return names
    .map((name) => ({
      name,
      score: createHash('sha1').update(`${name}\0${instanceId}`).digest('hex'),
    }))
    .sort((a, b) => (a.score < b.score ? -1 : a.score > b.score ? 1 : 0))
    .map((entry) => entry.name);
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) {
      group.push(item);
    } else {
      groups.set(key, [item]);
    }
  }
  return groups;
}
