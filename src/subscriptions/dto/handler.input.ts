import { InputType } from '@nestjs/graphql';
import { IsUrl } from 'class-validator';
import { HANDLER_NAME_PATTERN } from '@app/relay';
import { SUBSCRIPTION_DEFAULTS, SUBSCRIPTION_LIMITS } from '../subscription.defaults';
import {
  EnumField,
  IntField,
  StringArrayField,
  StringField,
  StringMapField,
} from './api-field.decorators';
import { HANDLER_TYPES, HandlerTypeEnum } from './subscription.enums';
import { IsWebhookHeaders } from './subscription.validators';

export type HandlerType = (typeof HANDLER_TYPES)[number];

/**
 * The handler union as one input (GraphQL has no input unions): `type` says which fields apply.
 * provider: `name`. webhook: `url`, optional `secret`, `timeoutMs`, `headers`. The rules in
 * subscription.rules.ts refuse the other type's fields.
 */
@InputType({ isAbstract: true })
abstract class HandlerFieldsInput {
  @StringField({
    description: 'provider: the name given to @ChangeHandler(…) in a service',
    optional: true,
    example: 'reserve-stock',
    maxLength: SUBSCRIPTION_LIMITS.handlerNameMaxLength,
    // The rule @ChangeHandler applies: a subscription can only name a handler that can exist.
    pattern: HANDLER_NAME_PATTERN,
    patternReason: "must be a handler name: lowercase letters, digits, '.', '_' or '-'",
  })
  name?: string;

  @StringField({
    description: 'webhook: the http(s) URL events are POSTed to',
    optional: true,
    example: 'https://billing.example.com/hooks/orders',
    maxLength: SUBSCRIPTION_LIMITS.urlMaxLength,
  })
  @IsUrl(
    {
      protocols: ['http', 'https'],
      require_protocol: true,
      require_valid_protocol: true,
      require_tld: false,
    },
    { message: '$property must be an http or https URL' },
  )
  url?: string;

  @StringField({
    description: 'webhook: the Standard Webhooks signing secret; write-only, never returned',
    optional: true,
    minLength: SUBSCRIPTION_LIMITS.secretMinLength,
    maxLength: SUBSCRIPTION_LIMITS.secretMaxLength,
  })
  secret?: string;

  @IntField({
    description: 'webhook: the HTTP request timeout in milliseconds',
    optional: true,
    defaultValue: SUBSCRIPTION_DEFAULTS.webhook.timeoutMs,
    min: SUBSCRIPTION_LIMITS.webhookTimeoutMs.min,
    max: SUBSCRIPTION_LIMITS.webhookTimeoutMs.max,
  })
  timeoutMs?: number;

  @StringMapField({
    description:
      'webhook: extra request headers (name to value); the webhook-* signature headers are reserved',
    optional: true,
    defaultValue: SUBSCRIPTION_DEFAULTS.webhook.headers,
    example: { 'x-api-key': 'abc' },
  })
  @IsWebhookHeaders()
  headers?: Record<string, string>;

  @StringArrayField({
    description:
      'webhook: names of headers whose values are not secret: stored in clear and shown. The ' +
      'others are stored encrypted and shown as "***". Applies to the headers given with it',
    optional: true,
    example: ['x-tenant'],
    maxItems: 50,
    maxLength: 200,
  })
  publicHeaders?: string[];
}

const typeField = {
  description: 'provider (a @ChangeHandler in a service) or webhook (the built-in HTTP handler)',
  values: HANDLER_TYPES,
  graphqlEnum: HandlerTypeEnum.enumObject,
  enumName: HandlerTypeEnum.name,
};

@InputType({ description: 'Who receives the events: a provider handler or a webhook' })
export class HandlerInput extends HandlerFieldsInput {
  @EnumField(typeField)
  type: HandlerType;
}

@InputType({
  description:
    'Changes to the handler: fields merge into the current handler; a different type replaces it. ' +
    'An omitted secret stays as it is',
})
export class HandlerPatchInput extends HandlerFieldsInput {
  @EnumField({ ...typeField, optional: true })
  type?: HandlerType;
}
