import { useEffect, useState } from 'react';
import { gql } from '../api';
import { ConfirmDialog, ErrorBox, Loading, ProgressBar } from '../components/ui';
import { formatCount, formatTime } from '../format';
import { hashParams, usePoll } from '../hooks';
import {
  CANCEL_JOB,
  DEAD_LETTER,
  DEAD_LETTERS,
  DISCARD,
  REPLAY_JOB,
  REPLAY_MANY,
  REPLAY_ONE,
} from '../queries';
import type { DeadLetter, ReplayJob } from '../types';

interface ListAnswer {
  deadLetters: { total: number; nextCursor: string | null; items: DeadLetter[] };
  deadLetterSummary: {
    bySubscription: { subscription: string; service: string; pending: number }[];
  };
}

interface Filters {
  subscription: string;
  status: string;
  errorName: string;
  httpStatus: string;
}

const FINISHED = new Set(['done', 'failed', 'cancelled']);

function variablesOf(filters: Filters) {
  return {
    subscription: filters.subscription || undefined,
    status: filters.status || undefined,
    errorName: filters.errorName || undefined,
    httpStatus: filters.httpStatus ? Number(filters.httpStatus) : undefined,
  };
}

export function DeadLetters() {
  const [filters, setFilters] = useState<Filters>(() => ({
    subscription: hashParams().get('subscription') ?? '',
    status: 'pending',
    errorName: '',
    httpStatus: '',
  }));
  const [limit, setLimit] = useState(50);
  const key = JSON.stringify([filters, limit]);
  const { data, error, loading, reload } = usePoll(
    () => gql<ListAnswer>(DEAD_LETTERS, { ...variablesOf(filters), limit }),
    key,
    3_000,
  );
  const [inspected, setInspected] = useState<string>();
  const [discarding, setDiscarding] = useState<DeadLetter>();
  const [confirmBulk, setConfirmBulk] = useState<number>();
  const [job, setJob] = useState<ReplayJob>();
  const [actionError, setActionError] = useState<unknown>();

  const set = (field: keyof Filters) => (value: string) =>
    setFilters((current) => ({ ...current, [field]: value }));

  const replayFilter = () => ({
    errorName: filters.errorName || undefined,
    httpStatus: filters.httpStatus ? Number(filters.httpStatus) : undefined,
  });

  const askBulkReplay = async () => {
    setActionError(undefined);
    try {
      const answer = await gql<{ replayDeadLetters: ReplayJob }>(REPLAY_MANY, {
        input: { subscription: filters.subscription, filter: replayFilter(), dryRun: true },
      });
      setConfirmBulk(answer.replayDeadLetters.total);
    } catch (failure) {
      setActionError(failure);
    }
  };

  const replayOne = async (id: string) => {
    setActionError(undefined);
    try {
      const answer = await gql<{ replayDeadLetter: ReplayJob }>(REPLAY_ONE, { id });
      setJob(answer.replayDeadLetter);
    } catch (failure) {
      setActionError(failure);
    }
  };

  return (
    <section aria-labelledby="dead-letters-title">
      <header className="page-header">
        <h1 id="dead-letters-title">Dead letters</h1>
        <button
          type="button"
          className="primary"
          disabled={!filters.subscription || (job !== undefined && !FINISHED.has(job.state ?? ''))}
          title={filters.subscription ? undefined : 'Choose a subscription first'}
          onClick={() => void askBulkReplay()}
        >
          Replay all pending{filters.subscription ? ` of ${filters.subscription}` : ''}
        </button>
      </header>

      <form
        className="filters"
        onSubmit={(event) => event.preventDefault()}
        aria-label="Dead-letter filters"
      >
        <label>
          Subscription
          <select
            value={filters.subscription}
            onChange={(event) => set('subscription')(event.target.value)}
          >
            <option value="">all</option>
            {filters.subscription &&
              !data?.deadLetterSummary.bySubscription.some(
                (s) => s.subscription === filters.subscription,
              ) && <option value={filters.subscription}>{filters.subscription}</option>}
            {data?.deadLetterSummary.bySubscription.map((s) => (
              <option key={s.subscription} value={s.subscription}>
                {s.subscription} ({formatCount(s.pending)} pending)
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select value={filters.status} onChange={(event) => set('status')(event.target.value)}>
            <option value="">any</option>
            <option value="pending">pending</option>
            <option value="replayed">replayed</option>
            <option value="discarded">discarded</option>
          </select>
        </label>
        <label>
          Error name
          <input
            value={filters.errorName}
            onChange={(event) => set('errorName')(event.target.value)}
          />
        </label>
        <label>
          HTTP status
          <input
            inputMode="numeric"
            pattern="[0-9]*"
            value={filters.httpStatus}
            onChange={(event) => set('httpStatus')(event.target.value.replace(/\D/g, ''))}
          />
        </label>
      </form>

      {actionError !== undefined && <ErrorBox error={actionError} />}
      {job && <ReplayProgress job={job} onUpdate={setJob} onFinished={reload} />}
      {confirmBulk !== undefined && (
        <ConfirmDialog
          title={`Replay the pending dead letters of ${filters.subscription}?`}
          body={
            <p>
              {formatCount(confirmBulk)} {confirmBulk === 1 ? 'entry' : 'entries'} will go through
              the subscription’s current handler again, in stream order.
            </p>
          }
          confirmLabel="Replay"
          onConfirm={async () => {
            const answer = await gql<{ replayDeadLetters: ReplayJob }>(REPLAY_MANY, {
              input: { subscription: filters.subscription, filter: replayFilter() },
            });
            setJob(answer.replayDeadLetters);
          }}
          onClose={() => setConfirmBulk(undefined)}
        />
      )}
      {discarding && (
        <ConfirmDialog
          title="Discard this dead letter?"
          body={
            <p>
              {discarding.id} will not be delivered. The reason is kept with it and in the audit
              log.
            </p>
          }
          confirmLabel="Discard"
          danger
          reasonLabel="Reason"
          onConfirm={async (reason) => {
            await gql(DISCARD, { id: discarding.id, reason });
            reload();
          }}
          onClose={() => setDiscarding(undefined)}
        />
      )}

      {error !== undefined && <ErrorBox error={error} retry={reload} />}
      {loading && !data && <Loading what="dead letters" />}
      {data && (
        <>
          <p className="muted" role="status">
            {formatCount(data.deadLetters.total)}{' '}
            {data.deadLetters.total === 1 ? 'entry' : 'entries'}
          </p>
          {data.deadLetters.items.length === 0 ? (
            <div className="empty card">
              <h2>No dead letters</h2>
              <p>Nothing matches these filters: every event was delivered or settled.</p>
            </div>
          ) : (
            <div className="table-wrap">
              <table className="dead-letters-table">
                <thead>
                  <tr>
                    <th scope="col">Last failure</th>
                    <th scope="col">Subscription</th>
                    <th scope="col">Error</th>
                    <th scope="col">Attempts</th>
                    <th scope="col">Status</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {data.deadLetters.items.map((entry) => (
                    <tr key={entry.id}>
                      <td>{formatTime(entry.lastFailedAt)}</td>
                      <td>{entry.subscription}</td>
                      <td>
                        {entry.error.name}
                        {entry.error.httpStatus != null && ` (HTTP ${entry.error.httpStatus})`}
                        <div className="muted clip">{entry.error.message}</div>
                      </td>
                      <td>{entry.attempts}</td>
                      <td>{entry.status}</td>
                      <td className="row-actions">
                        <button
                          type="button"
                          onClick={() => setInspected(entry.id)}
                          aria-label={`Inspect ${entry.id}`}
                        >
                          Inspect
                        </button>
                        {entry.status === 'pending' && (
                          <>
                            <button
                              type="button"
                              onClick={() => void replayOne(entry.id)}
                              aria-label={`Replay ${entry.id}`}
                            >
                              Replay
                            </button>
                            <button
                              type="button"
                              className="danger"
                              onClick={() => setDiscarding(entry)}
                              aria-label={`Discard ${entry.id}`}
                            >
                              Discard
                            </button>
                          </>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {data.deadLetters.nextCursor && (
            <button
              type="button"
              onClick={() => setLimit((value) => Math.min(value + 50, 200))}
              disabled={limit >= 200}
            >
              Show more
            </button>
          )}
        </>
      )}
      {inspected && <Inspector id={inspected} onClose={() => setInspected(undefined)} />}
    </section>
  );
}

/** Follows a replay job until it settles: a bar of processed ÷ total and the API's counts. */
function ReplayProgress({
  job,
  onUpdate,
  onFinished,
}: {
  job: ReplayJob;
  onUpdate: (job: ReplayJob) => void;
  onFinished: () => void;
}) {
  const finished = FINISHED.has(job.state ?? '');
  useEffect(() => {
    if (finished) {
      onFinished();
      return;
    }
    if (!job.id) return;
    const timer = window.setTimeout(() => {
      gql<{ deadLetterReplayJob: ReplayJob }>(REPLAY_JOB, { jobId: job.id }).then(
        (answer) => onUpdate(answer.deadLetterReplayJob),
        () => onUpdate({ ...job }),
      );
    }, 500);
    return () => window.clearTimeout(timer);
  }, [job, finished, onUpdate, onFinished]);

  const processed = job.succeeded + job.failed + job.skipped;
  return (
    <div className="card replay-job" data-state={job.state ?? ''} data-job-id={job.id ?? undefined}>
      <h2>
        Replay of {job.subscription}: {job.state}
        {job.state === 'waiting' && job.waitingFor ? ` (waiting for ${job.waitingFor})` : ''}
      </h2>
      <ProgressBar value={processed} max={job.total} label="Replay progress" />
      <p className="replay-counts" role="status">
        {formatCount(processed)} of {formatCount(job.total)} processed: {formatCount(job.succeeded)}{' '}
        succeeded, {formatCount(job.failed)} failed, {formatCount(job.skipped)} skipped
      </p>
      {job.error && <ErrorBox error={new Error(job.error)} />}
      {!finished && job.id && (
        <button
          type="button"
          onClick={() =>
            void gql<{ cancelDeadLetterReplay: ReplayJob }>(CANCEL_JOB, { jobId: job.id }).then(
              (answer) => onUpdate(answer.cancelDeadLetterReplay),
            )
          }
        >
          Cancel replay
        </button>
      )}
    </div>
  );
}

function Inspector({ id, onClose }: { id: string; onClose: () => void }) {
  const { data, error } = usePoll(
    () => gql<{ deadLetter: DeadLetter }>(DEAD_LETTER, { id }),
    id,
    10_000,
  );
  return (
    <ConfirmDialog
      title={`Dead letter ${id}`}
      confirmLabel="Close"
      onConfirm={async () => undefined}
      onClose={onClose}
      body={
        <div className="inspector">
          {error !== undefined && <ErrorBox error={error} />}
          {!data && error === undefined && <Loading what="the entry" />}
          {data && (
            <>
              <dl className="definition">
                <dt>Status</dt>
                <dd>
                  {data.deadLetter.status}
                  {data.deadLetter.discardReason && ` (${data.deadLetter.discardReason})`}
                </dd>
                <dt>Key</dt>
                <dd>
                  <code>{data.deadLetter.key}</code>
                </dd>
                <dt>Failed</dt>
                <dd>
                  {formatTime(data.deadLetter.firstFailedAt)} –{' '}
                  {formatTime(data.deadLetter.lastFailedAt)}, {data.deadLetter.attempts} attempts,{' '}
                  {data.deadLetter.replayCount} replays
                </dd>
              </dl>
              <h3>Error</h3>
              <pre>{JSON.stringify(data.deadLetter.error, null, 2)}</pre>
              <h3>Event</h3>
              <pre className="event-json">{JSON.stringify(data.deadLetter.event, null, 2)}</pre>
              {(data.deadLetter.replays?.length ?? 0) > 0 && (
                <>
                  <h3>Replays</h3>
                  <pre>{JSON.stringify(data.deadLetter.replays, null, 2)}</pre>
                </>
              )}
            </>
          )}
        </div>
      }
    />
  );
}
