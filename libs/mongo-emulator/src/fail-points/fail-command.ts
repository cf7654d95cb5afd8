import { ErrorCode, MongoCommandError } from '../errors';
import { Document, isTruthyFlag, toNumber } from '../storage/bson-values';

/** What a triggered `failCommand` fail point does to one command. */
export interface FailCommandAction {
  errorCode?: number;
  errorLabels?: string[];
  closeConnection: boolean;
  blockTimeMS: number;
  writeConcernError?: Document;
}

interface ActiveFailPoint {
  failCommands: Set<string>;
  appName?: string;
  action: FailCommandAction;
  /** Remaining activations; Infinity for alwaysOn. */
  times: number;
  skip: number;
}

function modeOf(mode: unknown): { times: number; skip: number } {
  if (mode === 'alwaysOn') return { times: Number.POSITIVE_INFINITY, skip: 0 };
  const spec = (mode ?? {}) as Document;
  if (spec.times !== undefined) return { times: toNumber(spec.times), skip: 0 };
  if (spec.skip !== undefined)
    return { times: Number.POSITIVE_INFINITY, skip: toNumber(spec.skip) };
  throw new MongoCommandError(
    ErrorCode.BadValue,
    "mode must be 'alwaysOn', 'off', {times: n} or {skip: n}",
  );
}

/**
 * mongod's `failCommand` fail point (test commands): makes listed commands fail with an error,
 * close the connection, block, or report a write concern error, for a number of times or always.
 */
export class FailCommandRegistry {
  private active: ActiveFailPoint | undefined;
  private timesEntered = 0;
  private getMoreAfterCheckout: { errorCode: number; times: number; skip: number } | undefined;

  configure(command: Document): Document {
    const name = command.configureFailPoint;
    if (name === 'failGetMoreAfterCursorCheckout') return this.configureGetMore(command);
    if (name !== 'failCommand') {
      throw new MongoCommandError(ErrorCode.BadValue, `Cannot find failpoint: ${String(name)}`);
    }
    const previous = this.timesEntered;
    const mode = command.mode;
    if (mode === 'off') {
      this.active = undefined;
      return { count: previous };
    }
    const data = (command.data ?? {}) as Document;
    if (!Array.isArray(data.failCommands)) {
      throw new MongoCommandError(
        ErrorCode.BadValue,
        "'failCommands' must be an array of command names",
      );
    }
    const { times, skip } = modeOf(mode);
    this.timesEntered = 0;
    this.active = {
      failCommands: new Set(data.failCommands as string[]),
      appName: typeof data.appName === 'string' ? data.appName : undefined,
      times,
      skip,
      action: {
        errorCode: data.errorCode === undefined ? undefined : toNumber(data.errorCode),
        errorLabels: Array.isArray(data.errorLabels) ? (data.errorLabels as string[]) : undefined,
        closeConnection: isTruthyFlag(data.closeConnection),
        blockTimeMS: isTruthyFlag(data.blockConnection) ? toNumber(data.blockTimeMS) : 0,
        writeConcernError: data.writeConcernError as Document | undefined,
      },
    };
    if (times <= 0) this.active = undefined;
    return { count: previous };
  }

  /** The action for this command if the fail point triggers, consuming one activation. */
  trigger(commandName: string, appName: string | undefined): FailCommandAction | undefined {
    const point = this.active;
    if (!point || !point.failCommands.has(commandName)) return undefined;
    if (point.appName !== undefined && point.appName !== appName) return undefined;
    if (point.skip > 0) {
      point.skip -= 1;
      return undefined;
    }
    point.times -= 1;
    this.timesEntered += 1;
    if (point.times <= 0) this.active = undefined;
    return point.action;
  }

  clear(): void {
    this.active = undefined;
    this.getMoreAfterCheckout = undefined;
  }

  /**
   * mongod's `failGetMoreAfterCursorCheckout`: a getMore fails with `errorCode` once its cursor
   * is checked out, so the error gets the labels of the cursor's kind (a change stream's
   * ResumableChangeStreamError), unlike failCommand, which fires before the cursor is known.
   */
  private configureGetMore(command: Document): Document {
    const previous = this.getMoreAfterCheckout ? 1 : 0;
    if (command.mode === 'off') {
      this.getMoreAfterCheckout = undefined;
      return { count: previous };
    }
    const data = (command.data ?? {}) as Document;
    const { times, skip } = modeOf(command.mode);
    this.getMoreAfterCheckout =
      times > 0
        ? { errorCode: toNumber(data.errorCode, ErrorCode.InternalError), times, skip }
        : undefined;
    return { count: previous };
  }

  /** The error code a getMore must fail with after checking out its cursor, if any. */
  triggerGetMoreAfterCheckout(): number | undefined {
    const point = this.getMoreAfterCheckout;
    if (!point) return undefined;
    if (point.skip > 0) {
      point.skip -= 1;
      return undefined;
    }
    point.times -= 1;
    if (point.times <= 0) this.getMoreAfterCheckout = undefined;
    return point.errorCode;
  }
}
