import {
  registerDecorator,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';
import {
  headerViolations,
  isPlainObject,
  journalFieldViolations,
  pipelineViolations,
} from '../subscription.rules';

/**
 * class-validator faces of the pure rules in subscription.rules.ts, so the global ValidationPipe
 * reports them for REST and GraphQL alike, beside the other field errors of the same request.
 */
function fromRule(
  name: string,
  violations: (value: unknown) => string[],
  options?: ValidationOptions,
): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown) => violations(value).length === 0,
        defaultMessage: (args?: ValidationArguments) => violations(args?.value).join('; '),
      },
    });
  };
}

/** Allowed stages only, no server-side JavaScript at any depth, `_id` kept. */
export function IsChangeStreamPipeline(options?: ValidationOptions): PropertyDecorator {
  return fromRule(
    'isChangeStreamPipeline',
    (value) => (Array.isArray(value) ? pipelineViolations(value) : []),
    options,
  );
}

/** Header names are tokens, values single-line strings, the signature headers not overridden. */
export function IsWebhookHeaders(options?: ValidationOptions): PropertyDecorator {
  return fromRule(
    'isWebhookHeaders',
    (value) => (isPlainObject(value) ? headerViolations(value) : []),
    options,
  );
}

/** Journal fields: names like SQL columns, values dotted paths into the change event. */
export function IsJournalFields(options?: ValidationOptions): PropertyDecorator {
  return fromRule(
    'isJournalFields',
    (value) => (isPlainObject(value) ? journalFieldViolations(value) : []),
    options,
  );
}
