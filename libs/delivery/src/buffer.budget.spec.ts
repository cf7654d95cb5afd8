import fc from 'fast-check';
import { BudgetShare, BufferBudget } from './buffer.budget';
import { InvalidEngineOptionsError } from './delivery.errors';

/** Takes events of `bytes` each while the share admits, at most `max`. Returns how many. */
function fill(share: BudgetShare, bytes = 0, max = Infinity): number {
  let taken = 0;
  while (taken < max && share.canAdmit()) {
    share.take(bytes);
    taken++;
  }
  return taken;
}

describe(BufferBudget.name, () => {
  it('validates its limits, naming the bad one', () => {
    const invalid: [unknown, string][] = [
      [{ maxEvents: 0, maxBytes: 10 }, 'maxEvents'],
      [{ maxEvents: 1.5, maxBytes: 10 }, 'maxEvents'],
      [{ maxEvents: '10', maxBytes: 10 }, 'maxEvents'],
      [{ maxEvents: 10, maxBytes: 0 }, 'maxBytes'],
      [{ maxEvents: 10, maxBytes: Infinity }, 'maxBytes'],
      [{ maxEvents: 10 }, 'maxBytes'],
      [null, 'budget'],
    ];
    for (const [limits, option] of invalid) {
      const attempt = (): BufferBudget => new BufferBudget(limits as never);
      expect(attempt).toThrow(InvalidEngineOptionsError);
      expect(attempt).toThrow(expect.objectContaining({ option }) as Error);
    }
    expect(() => new BufferBudget({ maxEvents: 1, maxBytes: 1 })).not.toThrow();
  });

  it('splits events and bytes fairly: max(1, floor(max / members)) each', () => {
    const budget = new BufferBudget({ maxEvents: 10, maxBytes: 1000 });
    const [a, b, c] = [budget.join(), budget.join(), budget.join()];
    expect(fill(a)).toBe(3);
    expect(fill(b)).toBe(3);
    expect(fill(c)).toBe(3);
    expect(budget.usage()).toEqual({
      events: 9,
      bytes: 0,
      members: 3,
      peakEvents: 9,
      peakBytes: 0,
    });
    // Bytes: 333 each; a share below its byte limit takes one more event, whatever it weighs.
    const bytes = new BufferBudget({ maxEvents: 1000, maxBytes: 1000 });
    const [x, y, z] = [bytes.join(), bytes.join(), bytes.join()];
    expect(fill(x, 100)).toBe(4); // 0, 100, 200, 300 < 333: four events, 400 bytes
    expect(fill(y, 500)).toBe(1); // holds nothing: one event, even above its fair limit
    // 333 would be z's fair share, but the pool holds 900 of its 1000 bytes already.
    expect(fill(z, 1)).toBe(100);
    expect(bytes.usage().bytes).toBe(1000);
    expect(x.bytes).toBe(400);
  });

  it('gives every member at least one event when there are more members than events', () => {
    const budget = new BufferBudget({ maxEvents: 2, maxBytes: 2 });
    const shares = [budget.join(), budget.join(), budget.join()];
    expect(shares.map((share) => fill(share, 1))).toEqual([1, 1, 0]);
    // The pool is full: the third waits for room, and is told when it frees.
    const raised = jest.fn();
    shares[2].onRaise(raised);
    shares[0].give(1);
    expect(raised).toHaveBeenCalledTimes(1);
    expect(fill(shares[2], 1)).toBe(1);
    expect(budget.usage().events).toBe(2);
  });

  it('never lets the pool exceed maxEvents when a member joins while the others hold more than their new fair limit', () => {
    const budget = new BufferBudget({ maxEvents: 10, maxBytes: 100 });
    const a = budget.join();
    expect(fill(a)).toBe(10);
    const b = budget.join();
    // b's fair limit is 5 but the pool is full: b waits until a is back under its own.
    expect(b.canAdmit()).toBe(false);
    expect(a.canAdmit()).toBe(false);
    const raised = jest.fn();
    b.onRaise(raised);
    a.give(0);
    expect(raised).toHaveBeenCalledTimes(1);
    expect(fill(b)).toBe(1);
    expect(a.canAdmit()).toBe(false);
    expect(budget.usage().events).toBe(10);
  });

  it('raises the other members’ limits when one leaves, and tells them', () => {
    const budget = new BufferBudget({ maxEvents: 12, maxBytes: 1200 });
    const [a, b, c] = [budget.join(), budget.join(), budget.join()];
    const raisedB = jest.fn();
    const raisedC = jest.fn();
    b.onRaise(raisedB);
    c.onRaise(raisedC);
    fill(a, 10);
    expect(fill(b, 10)).toBe(4);
    expect(b.canAdmit()).toBe(false);
    a.leave();
    expect(raisedB).toHaveBeenCalled();
    expect(raisedC).toHaveBeenCalled();
    // Two members left: six events each.
    expect(fill(b, 10)).toBe(2);
    expect(budget.usage()).toMatchObject({ events: 6, bytes: 60, members: 2, peakEvents: 8 });
  });

  it('gives everything back on leave, once, and admits nothing after', () => {
    const budget = new BufferBudget({ maxEvents: 10, maxBytes: 100 });
    const share = budget.join();
    fill(share, 7, 3);
    share.leave();
    share.leave();
    expect(budget.usage()).toEqual({
      events: 0,
      bytes: 0,
      members: 0,
      peakEvents: 3,
      peakBytes: 21,
    });
    expect(share.canAdmit()).toBe(false);
    expect(() => share.take(1)).toThrow('after leave');
    // A late give from an engine finishing up is ignored.
    expect(() => share.give(7)).not.toThrow();
    expect(budget.usage().events).toBe(0);
  });

  it('refuses a give without a take, and bad weights', () => {
    const share = new BufferBudget({ maxEvents: 10, maxBytes: 100 }).join();
    expect(() => share.give(0)).toThrow('without a matching take');
    expect(() => share.take(-1)).toThrow(RangeError);
    expect(() => share.take(Number.NaN)).toThrow(RangeError);
  });

  it('keeps the pool within maxEvents and bytes within one event per member of maxBytes, whatever the order of joins, takes, gives and leaves', () => {
    type Op =
      | { kind: 'join' }
      | { kind: 'take'; member: number; bytes: number }
      | { kind: 'give'; member: number }
      | { kind: 'leave'; member: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 1, arbitrary: fc.constant({ kind: 'join' as const }) },
      {
        weight: 6,
        arbitrary: fc.record({
          kind: fc.constant('take' as const),
          member: fc.nat(20),
          bytes: fc.integer({ min: 0, max: 50 }),
        }),
      },
      {
        weight: 3,
        arbitrary: fc.record({ kind: fc.constant('give' as const), member: fc.nat(20) }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('leave' as const), member: fc.nat(20) }),
      },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 300 }),
        fc.array(op, { maxLength: 300 }),
        (maxEvents, maxBytes, ops) => {
          const budget = new BufferBudget({ maxEvents, maxBytes });
          const members: { share: BudgetShare; held: number[] }[] = [];
          const withinFairLimits: boolean[] = [];
          const present = (index: number) => {
            const live = members.filter((member) => !member.share.hasLeft);
            return live.length === 0 ? undefined : live[index % live.length];
          };
          for (const next of ops) {
            if (next.kind === 'join') {
              members.push({ share: budget.join(), held: [] });
            } else if (next.kind === 'take') {
              const member = present(next.member);
              const count = budget.usage().members;
              if (member?.share.canAdmit()) {
                // Never past its fair event limit, nor its fair byte limit unless it holds nothing.
                const bytes = member.held.reduce((a, b) => a + b, 0);
                withinFairLimits.push(
                  member.held.length < Math.max(1, Math.floor(maxEvents / count)) &&
                    (member.held.length === 0 || bytes < Math.max(1, Math.floor(maxBytes / count))),
                );
                member.share.take(next.bytes);
                member.held.push(next.bytes);
              }
            } else if (next.kind === 'give') {
              const member = present(next.member);
              const bytes = member?.held.shift();
              if (member !== undefined && bytes !== undefined) {
                member.share.give(bytes);
              }
            } else {
              present(next.member)?.share.leave();
            }
            const live = members.filter((member) => !member.share.hasLeft);
            const usage = budget.usage();
            const held = live.reduce((sum, member) => sum + member.held.length, 0);
            const heldBytes = live.reduce((sum, m) => sum + m.held.reduce((a, b) => a + b, 0), 0);
            expect(usage.events).toBe(held);
            expect(usage.bytes).toBe(heldBytes);
            expect(usage.members).toBe(live.length);
            expect(usage.events).toBeLessThanOrEqual(maxEvents);
            expect(usage.bytes).toBeLessThanOrEqual(maxBytes + 50 * Math.max(1, live.length));
          }
          expect(withinFairLimits.filter((ok) => !ok)).toEqual([]);
          members.forEach((member) => member.share.leave());
          expect(budget.usage()).toMatchObject({ events: 0, bytes: 0, members: 0 });
        },
      ),
      { numRuns: 300 },
    );
  });
});
