import {
  ChangeHandler,
  NonRetryableError,
  type ChangeEventEnvelope,
  type EventHandler,
} from '@app/relay';

export const SCRIPTED_HANDLER = 'test-scripted';

/** A named, coded error of the kind an application handler throws. */
export class OutOfStockError extends NonRetryableError {
  readonly code = 'E_STOCK';

  constructor(sku: string) {
    super(`no stock left for ${sku}`);
    this.name = 'OutOfStockError';
  }
}

/**
 * A provider handler that fails on purpose, as the document asks: `fail: 'always'` is
 * dead-lettered at once (non-retryable), `fail: 'once'` fails its first attempt and is then
 * delivered; `fail: 'stock'` throws an `OutOfStockError` (code `E_STOCK`, dead-lettered at once);
 * `fail: 'slow'` takes 40 ms, `fail: 'hold'` 2.5 s; anything else is delivered at once.
 */
@ChangeHandler(SCRIPTED_HANDLER)
export class ScriptedFailuresHandler implements EventHandler {
  async handle(event: ChangeEventEnvelope): Promise<void> {
    const fail = (event.fullDocument as { fail?: string } | null | undefined)?.fail;
    if (fail === 'always') {
      throw new NonRetryableError('scripted permanent failure');
    }
    if (fail === 'stock') {
      throw new OutOfStockError(String(event.documentKey?._id));
    }
    if (fail === 'once' && event.attempt === 1) {
      throw new Error('scripted transient failure');
    }
    if (fail === 'slow' || fail === 'hold') {
      await new Promise((resolve) => setTimeout(resolve, fail === 'slow' ? 40 : 2_500));
    }
  }
}
