import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import {
  BUILT_IN_HANDLER_NAMES,
  CHANGE_RELAY_OPTIONS,
  type BuiltInHandlerName,
  type ResolvedChangeRelayOptions,
} from '../module/change-relay.options';
import type { HandlerSpec } from '../subscriptions/subscription.types';
import { ChangeHandlerMarker } from './change-handler.decorator';
import { isEventHandler, type AnyEventHandler } from './handler.types';
import { LogHandler } from './log.handler';
import { WebhookHandler } from './webhook/webhook.handler';

/** The name an instance must have among its handlers to run a subscription with this spec. */
export function requiredHandlerName(spec: HandlerSpec): string {
  return spec.type === 'webhook' ? 'webhook' : spec.name;
}

export class DuplicateChangeHandlerError extends Error {
  constructor(name: string, first: string, second: string) {
    super(
      `Two change handlers are named "${name}": ${first} and ${second}. Handler names must be unique.`,
    );
    this.name = 'DuplicateChangeHandlerError';
  }
}

/**
 * Finds every `@ChangeHandler` provider at startup, plus the built-in `webhook` and `log`
 * handlers the options opt in to. A duplicate name, a handler without `handle`/`handleBatch`,
 * a request-scoped handler, or an application handler that takes a built-in's name fails the
 * boot: better than a subscription silently running the wrong code.
 */
@Injectable()
export class HandlerRegistry implements OnModuleInit {
  private readonly logger = new Logger(HandlerRegistry.name);
  private readonly handlers = new Map<string, { handler: AnyEventHandler; className: string }>();

  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(CHANGE_RELAY_OPTIONS) private readonly options: ResolvedChangeRelayOptions,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders({ metadataKey: ChangeHandlerMarker.KEY })) {
      const name = this.discovery.getMetadataByDecorator(ChangeHandlerMarker, wrapper);
      if (!name) {
        continue;
      }
      const className = wrapper.metatype?.name ?? String(wrapper.token);
      if (isBuiltInName(name)) {
        if (!isBuiltInHandler(wrapper.instance)) {
          throw new Error(
            `Change handler "${name}" (${className}): "${name}" is the name of a built-in handler; choose another`,
          );
        }
        if (!this.options.builtInHandlers.includes(name)) {
          continue;
        }
      }
      const existing = this.handlers.get(name);
      if (existing) {
        // The same class can be listed by two modules that both provide it: still one handler.
        if (existing.handler === wrapper.instance) {
          continue;
        }
        throw new DuplicateChangeHandlerError(name, existing.className, className);
      }
      if (!wrapper.isDependencyTreeStatic() || wrapper.isTransient) {
        throw new Error(`Change handler "${name}" (${className}) must be a singleton provider`);
      }
      if (!isEventHandler(wrapper.instance)) {
        throw new Error(
          `Change handler "${name}" (${className}) has neither handle() nor handleBatch()`,
        );
      }
      this.handlers.set(name, { handler: wrapper.instance, className });
    }
    this.logger.log(`Change handlers: ${this.names().join(', ') || '(none)'}`);
  }

  /** True for the built-in handlers (they see the whole subscription, secrets included). */
  isBuiltIn(handler: AnyEventHandler): boolean {
    return isBuiltInHandler(handler);
  }

  /** Sorted handler names, built-ins included. */
  names(): string[] {
    return [...this.handlers.keys()].sort();
  }

  has(name: string): boolean {
    return this.handlers.has(name);
  }

  get(name: string): AnyEventHandler | undefined {
    return this.handlers.get(name)?.handler;
  }

  /** The handler that serves a subscription's handler spec, if this process has it. */
  resolve(spec: HandlerSpec): AnyEventHandler | undefined {
    return this.get(requiredHandlerName(spec));
  }
}

function isBuiltInName(name: string): name is BuiltInHandlerName {
  return (BUILT_IN_HANDLER_NAMES as readonly string[]).includes(name);
}

function isBuiltInHandler(handler: unknown): boolean {
  return handler instanceof WebhookHandler || handler instanceof LogHandler;
}
