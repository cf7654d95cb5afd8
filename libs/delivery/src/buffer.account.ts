import { BudgetShare } from './buffer.budget';
import { InvalidEngineOptionsError } from './delivery.errors';

/**
 * What one engine buffers, beyond the count `maxInFlight` bounds: the bytes of its admitted
 * events (as `weigh` says) and, when it has one, its share of the process-wide `BufferBudget`.
 */
export class BufferAccount<T> {
  /** Bytes of the admitted, unsettled events. */
  bytes = 0;
  private readonly share: BudgetShare | undefined;

  constructor(
    share: BudgetShare | undefined,
    private readonly weigh: ((payload: T) => number) | undefined,
  ) {
    if (weigh !== undefined && typeof weigh !== 'function') {
      throw new InvalidEngineOptionsError('weigh', 'must be a function');
    }
    this.share = claimShare(share);
  }

  /** The share admits one more event (always true without a budget). */
  canAdmit(): boolean {
    return this.share === undefined || this.share.canAdmit();
  }

  /** `listener` runs when the share's limits rise or the pool frees room. */
  onRaise(listener: () => void): void {
    this.share?.onRaise(listener);
  }

  /** The payload's weight, 0 without `weigh`; undefined when `weigh` throws or is not a size. */
  weighOf(payload: T): number | undefined {
    if (this.weigh === undefined) {
      return 0;
    }
    let weight: unknown;
    try {
      weight = this.weigh(payload);
    } catch {
      return undefined;
    }
    return typeof weight === 'number' && Number.isFinite(weight) && weight >= 0
      ? weight
      : undefined;
  }

  /** An event of `weight` bytes was admitted. */
  hold(weight: number): void {
    this.bytes += weight;
    this.share?.take(weight);
  }

  /** An event of `weight` bytes settled. */
  release(weight: number): void {
    this.bytes -= weight;
    this.share?.give(weight);
  }

  /** The engine is finished: everything still held goes back to the budget. Idempotent. */
  close(): void {
    this.share?.leave();
  }
}

function claimShare(share: BudgetShare | undefined): BudgetShare | undefined {
  if (share === undefined) {
    return undefined;
  }
  if (!(share instanceof BudgetShare)) {
    throw new InvalidEngineOptionsError('budget', 'must be a BudgetShare from BufferBudget.join()');
  }
  if (share.hasLeft || share.claimed) {
    throw new InvalidEngineOptionsError(
      'budget',
      'is already used by another engine: join() a new share for each engine',
    );
  }
  share.claimed = true;
  return share;
}
