import { useEffect, useId, useState, type ReactNode } from 'react';
import { ApiError, gql, type FieldError } from '../api';
import { ErrorBox, Loading } from '../components/ui';
import { navigate } from '../hooks';
import { CREATE, SUBSCRIPTION_DEFINITION, UPDATE } from '../queries';
import type { Subscription } from '../types';

const OPERATION_TYPES = ['insert', 'update', 'replace', 'delete'] as const;

interface FormState {
  name: string;
  serviceName: string;
  description: string;
  database: string;
  collections: string;
  operationTypes: string[];
  pipeline: string;
  handlerType: 'webhook' | 'provider';
  url: string;
  secret: string;
  handlerName: string;
  ordering: string;
  concurrency: string;
  maxAttempts: string;
  deadLetterEnabled: boolean;
}

const EMPTY: FormState = {
  name: '',
  serviceName: '',
  description: '',
  database: '',
  collections: '',
  operationTypes: [],
  pipeline: '[]',
  handlerType: 'webhook',
  url: '',
  secret: '',
  handlerName: '',
  ordering: 'key',
  concurrency: '',
  maxAttempts: '',
  deadLetterEnabled: true,
};

function fromSubscription(s: Subscription): FormState {
  return {
    name: s.name,
    serviceName: s.serviceName,
    description: s.description,
    database: s.source.database,
    collections: s.source.collections.join(', '),
    operationTypes: s.source.operationTypes,
    pipeline: JSON.stringify(s.source.pipeline, null, 2),
    handlerType: s.handler.type === 'provider' ? 'provider' : 'webhook',
    url: s.handler.url ?? '',
    secret: '',
    handlerName: s.handler.type === 'provider' ? s.handler.name : '',
    ordering: s.delivery.ordering,
    concurrency: String(s.delivery.concurrency),
    maxAttempts: String(s.retry.maxAttempts),
    deadLetterEnabled: s.deadLetter.enabled,
  };
}

const optionalInt = (value: string) => (value.trim() === '' ? undefined : Number(value));

/** The API's input from the form; a pipeline that is not JSON is a field error before any call. */
function toInput(
  form: FormState,
  editing: boolean,
): { input?: Record<string, unknown>; errors: FieldError[] } {
  let pipeline: unknown;
  try {
    pipeline = JSON.parse(form.pipeline.trim() === '' ? '[]' : form.pipeline);
  } catch (error) {
    return {
      errors: [{ field: 'source.pipeline', reason: `not valid JSON: ${(error as Error).message}` }],
    };
  }
  const handler =
    form.handlerType === 'webhook'
      ? { type: 'webhook', url: form.url.trim() || undefined, secret: form.secret || undefined }
      : { type: 'provider', name: form.handlerName.trim() || undefined };
  const input: Record<string, unknown> = {
    serviceName: form.serviceName.trim() || undefined,
    description: form.description,
    source: {
      database: form.database.trim(),
      collections: form.collections
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean),
      operationTypes: form.operationTypes.length > 0 ? form.operationTypes : undefined,
      pipeline,
    },
    handler,
    delivery: { ordering: form.ordering, concurrency: optionalInt(form.concurrency) },
    retry: { maxAttempts: optionalInt(form.maxAttempts) },
    deadLetter: { enabled: form.deadLetterEnabled },
  };
  if (!editing) input.name = form.name.trim();
  return { input, errors: [] };
}

export function SubscriptionForm({ name }: { name?: string }) {
  const editing = name !== undefined;
  const [form, setForm] = useState<FormState>(EMPTY);
  const [loaded, setLoaded] = useState(!editing);
  const [loadError, setLoadError] = useState<unknown>();
  const [fieldErrors, setFieldErrors] = useState<FieldError[]>([]);
  const [formError, setFormError] = useState<unknown>();
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    if (!name) return;
    gql<{ subscription: Subscription }>(SUBSCRIPTION_DEFINITION, { name }).then((answer) => {
      setForm(fromSubscription(answer.subscription));
      setLoaded(true);
    }, setLoadError);
  }, [name]);

  useEffect(() => {
    // Keyboard and screen-reader users land on the first field to fix.
    if (fieldErrors.length > 0) {
      document.querySelector<HTMLElement>('.subscription-form [aria-invalid="true"]')?.focus();
    }
  }, [fieldErrors]);

  const set = <K extends keyof FormState>(key: K, value: FormState[K]) =>
    setForm((current) => ({ ...current, [key]: value }));

  const submit = async () => {
    setFieldErrors([]);
    setFormError(undefined);
    const { input, errors } = toInput(form, editing);
    if (!input) {
      setFieldErrors(errors);
      return;
    }
    setSaving(true);
    try {
      if (editing) await gql(UPDATE, { name, input });
      else await gql(CREATE, { input });
      navigate(`/subscriptions/${encodeURIComponent(editing ? name : form.name.trim())}`);
    } catch (error) {
      if (error instanceof ApiError && error.details.length > 0) {
        setFieldErrors(error.details);
      } else {
        setFormError(error);
      }
      setSaving(false);
    }
  };

  if (loadError !== undefined) return <ErrorBox error={loadError} />;
  if (!loaded) return <Loading what={name ?? 'the subscription'} />;

  // A field's errors, and those of its sub-fields (source.pipeline.0 → source.pipeline).
  const errorsOf = (field: string) =>
    fieldErrors.filter(
      (e) =>
        e.field === field || e.field.startsWith(`${field}.`) || e.field.startsWith(`${field}[`),
    );
  const known = [
    'name',
    'serviceName',
    'description',
    'source.database',
    'source.collections',
    'source.operationTypes',
    'source.pipeline',
    'handler.url',
    'handler.secret',
    'handler.name',
    'handler.type',
    'handler',
    'delivery.ordering',
    'delivery.concurrency',
    'retry.maxAttempts',
    'deadLetter.enabled',
  ];
  const unplaced = fieldErrors.filter(
    (e) => !known.some((field) => e.field === field || e.field.startsWith(`${field}.`)),
  );

  return (
    <section aria-labelledby="form-title">
      <header className="page-header">
        <div>
          <a
            href={editing ? `#/subscriptions/${encodeURIComponent(name)}` : '#/subscriptions'}
            className="muted"
          >
            ← {editing ? name : 'Subscriptions'}
          </a>
          <h1 id="form-title">{editing ? `Edit ${name}` : 'New subscription'}</h1>
        </div>
      </header>
      <form
        className="card subscription-form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        {fieldErrors.length > 0 && (
          <div className="error-box" role="alert">
            The API did not accept the subscription: {fieldErrors.length}{' '}
            {fieldErrors.length === 1 ? 'field needs' : 'fields need'} a change.
            {unplaced.map((e) => (
              <div key={e.field}>
                {e.field}: {e.reason}
              </div>
            ))}
          </div>
        )}
        {formError !== undefined && <ErrorBox error={formError} />}

        {!editing && (
          <Field label="Name" hint="lowercase letters, digits and dashes" errors={errorsOf('name')}>
            {(props) => (
              <input
                {...props}
                value={form.name}
                onChange={(e) => set('name', e.target.value)}
                required
              />
            )}
          </Field>
        )}
        <Field
          label="Service"
          hint="the service that owns it (default: the server's)"
          errors={errorsOf('serviceName')}
        >
          {(props) => (
            <input
              {...props}
              value={form.serviceName}
              onChange={(e) => set('serviceName', e.target.value)}
            />
          )}
        </Field>
        <Field label="Description" errors={errorsOf('description')}>
          {(props) => (
            <input
              {...props}
              value={form.description}
              onChange={(e) => set('description', e.target.value)}
            />
          )}
        </Field>
        <fieldset>
          <legend>Source</legend>
          <Field label="Database" errors={errorsOf('source.database')}>
            {(props) => (
              <input
                {...props}
                value={form.database}
                onChange={(e) => set('database', e.target.value)}
                required
              />
            )}
          </Field>
          <Field
            label="Collections"
            hint="comma-separated; empty watches all"
            errors={errorsOf('source.collections')}
          >
            {(props) => (
              <input
                {...props}
                value={form.collections}
                onChange={(e) => set('collections', e.target.value)}
              />
            )}
          </Field>
          <div className="field">
            <span className="field-label" id="operation-types-label">
              Operation types <span className="muted">(none checked: all)</span>
            </span>
            <div className="checkboxes" role="group" aria-labelledby="operation-types-label">
              {OPERATION_TYPES.map((type) => (
                <label key={type}>
                  <input
                    type="checkbox"
                    checked={form.operationTypes.includes(type)}
                    onChange={(e) =>
                      set(
                        'operationTypes',
                        e.target.checked
                          ? [...form.operationTypes, type]
                          : form.operationTypes.filter((t) => t !== type),
                      )
                    }
                  />{' '}
                  {type}
                </label>
              ))}
            </div>
            <FieldErrors errors={errorsOf('source.operationTypes')} id="operation-types-errors" />
          </div>
          <Field
            label="Pipeline"
            hint='JSON array of stages, e.g. [{"$match": {"fullDocument.total": {"$gt": 100}}}]'
            errors={errorsOf('source.pipeline')}
          >
            {(props) => (
              <textarea
                {...props}
                rows={5}
                spellCheck={false}
                value={form.pipeline}
                onChange={(e) => set('pipeline', e.target.value)}
              />
            )}
          </Field>
        </fieldset>
        <fieldset>
          <legend>Handler</legend>
          <Field label="Handler type" errors={errorsOf('handler.type')}>
            {(props) => (
              <select
                {...props}
                value={form.handlerType}
                onChange={(e) => set('handlerType', e.target.value as FormState['handlerType'])}
              >
                <option value="webhook">webhook (signed HTTP POST)</option>
                <option value="provider">provider (a @ChangeHandler in a service)</option>
              </select>
            )}
          </Field>
          {form.handlerType === 'webhook' ? (
            <>
              <Field
                label="Webhook URL"
                errors={[
                  ...errorsOf('handler.url'),
                  ...fieldErrors.filter((e) => e.field === 'handler'),
                ]}
              >
                {(props) => (
                  <input
                    {...props}
                    type="url"
                    value={form.url}
                    onChange={(e) => set('url', e.target.value)}
                  />
                )}
              </Field>
              <Field
                label="Signing secret"
                hint={
                  editing
                    ? 'write-only; leave empty to keep the current one'
                    : 'write-only: never shown again'
                }
                errors={errorsOf('handler.secret')}
              >
                {(props) => (
                  <input
                    {...props}
                    type="password"
                    autoComplete="off"
                    value={form.secret}
                    onChange={(e) => set('secret', e.target.value)}
                  />
                )}
              </Field>
            </>
          ) : (
            <Field
              label="Handler name"
              errors={[
                ...errorsOf('handler.name'),
                ...fieldErrors.filter((e) => e.field === 'handler'),
              ]}
            >
              {(props) => (
                <input
                  {...props}
                  value={form.handlerName}
                  onChange={(e) => set('handlerName', e.target.value)}
                />
              )}
            </Field>
          )}
        </fieldset>
        <fieldset>
          <legend>Delivery</legend>
          <Field label="Ordering" errors={errorsOf('delivery.ordering')}>
            {(props) => (
              <select
                {...props}
                value={form.ordering}
                onChange={(e) => set('ordering', e.target.value)}
              >
                <option value="key">key: in order per document</option>
                <option value="strict">strict: one at a time</option>
                <option value="none">none: no order</option>
              </select>
            )}
          </Field>
          <Field label="Concurrency" errors={errorsOf('delivery.concurrency')}>
            {(props) => (
              <input
                {...props}
                inputMode="numeric"
                value={form.concurrency}
                onChange={(e) => set('concurrency', e.target.value)}
              />
            )}
          </Field>
          <Field label="Max attempts" errors={errorsOf('retry.maxAttempts')}>
            {(props) => (
              <input
                {...props}
                inputMode="numeric"
                value={form.maxAttempts}
                onChange={(e) => set('maxAttempts', e.target.value)}
              />
            )}
          </Field>
          <label className="inline">
            <input
              type="checkbox"
              checked={form.deadLetterEnabled}
              onChange={(e) => set('deadLetterEnabled', e.target.checked)}
            />{' '}
            Keep failed events as dead letters
          </label>
        </fieldset>
        <div className="actions">
          <button type="submit" className="primary" disabled={saving}>
            {saving ? 'Saving…' : editing ? 'Save changes' : 'Create subscription'}
          </button>
        </div>
      </form>
    </section>
  );
}

interface ControlProps {
  id: string;
  'aria-invalid': boolean;
  'aria-describedby': string | undefined;
}

function Field({
  label,
  hint,
  errors,
  children,
}: {
  label: string;
  hint?: string;
  errors: FieldError[];
  children: (props: ControlProps) => ReactNode;
}) {
  const id = useId();
  const described = [hint ? `${id}-hint` : '', errors.length ? `${id}-errors` : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div className={`field${errors.length ? ' invalid' : ''}`}>
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      {children({
        id,
        'aria-invalid': errors.length > 0,
        'aria-describedby': described || undefined,
      })}
      {hint && (
        <div className="hint" id={`${id}-hint`}>
          {hint}
        </div>
      )}
      <FieldErrors errors={errors} id={`${id}-errors`} />
    </div>
  );
}

function FieldErrors({ errors, id }: { errors: FieldError[]; id: string }) {
  if (errors.length === 0) return null;
  return (
    <ul className="field-errors" id={id}>
      {errors.map((error) => (
        <li key={`${error.field}-${error.reason}`}>{error.reason}</li>
      ))}
    </ul>
  );
}
