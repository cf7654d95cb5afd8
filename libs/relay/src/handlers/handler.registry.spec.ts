import { Injectable, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import type { ChangeEventEnvelope } from './change-event.envelope';
import { ChangeHandler } from './change-handler.decorator';
import {
  DuplicateChangeHandlerError,
  HandlerRegistry,
  requiredHandlerName,
} from './handler.registry';
import { isBatchHandler, type BatchEventHandler, type EventHandler } from './handler.types';
import {
  CHANGE_RELAY_OPTIONS,
  resolveChangeRelayOptions,
  type BuiltInHandlerName,
} from '../module/change-relay.options';
import { LogHandler } from './log.handler';
import { WebhookHandler } from './webhook/webhook.handler';

@ChangeHandler('reserve-stock')
class ReserveStockHandler implements EventHandler {
  readonly seen: ChangeEventEnvelope[] = [];
  async handle(event: ChangeEventEnvelope): Promise<void> {
    this.seen.push(event);
  }
}

@ChangeHandler('index-orders')
class IndexOrdersHandler implements BatchEventHandler {
  async handleBatch(): Promise<void> {}
}

@ChangeHandler('reserve-stock')
class AnotherReserveStockHandler implements EventHandler {
  async handle(): Promise<void> {}
}

@ChangeHandler('no-method')
class NoMethodHandler {}

@Injectable()
class PlainProvider {}

/** Handlers declared in a feature module of the host application, not next to the registry. */
@Module({ providers: [ReserveStockHandler, IndexOrdersHandler, PlainProvider] })
class InventoryModule {}

@ChangeHandler('webhook')
class ImpostorWebhookHandler implements EventHandler {
  async handle(): Promise<void> {}
}

async function bootRegistry({
  extra = [],
  builtInHandlers = ['webhook', 'log'],
}: {
  extra?: (new () => unknown)[];
  builtInHandlers?: BuiltInHandlerName[];
} = {}): Promise<HandlerRegistry> {
  const moduleRef = await Test.createTestingModule({
    imports: [DiscoveryModule, InventoryModule],
    providers: [
      HandlerRegistry,
      WebhookHandler,
      LogHandler,
      ...extra,
      {
        provide: CHANGE_RELAY_OPTIONS,
        useValue: resolveChangeRelayOptions({
          instanceId: 'i',
          serviceName: 's',
          builtInHandlers,
        }),
      },
    ],
  }).compile();
  await moduleRef.init();
  return moduleRef.get(HandlerRegistry);
}

describe(HandlerRegistry.name, () => {
  it('discovers @ChangeHandler providers of every module, built-ins included', async () => {
    const registry = await bootRegistry();
    expect(registry.names()).toEqual(['index-orders', 'log', 'reserve-stock', 'webhook']);
    expect(registry.get('reserve-stock')).toBeInstanceOf(ReserveStockHandler);
    expect(isBatchHandler(registry.get('index-orders')!)).toBe(true);
    expect(isBatchHandler(registry.get('reserve-stock')!)).toBe(false);
    expect(
      registry.resolve({ type: 'webhook', url: 'http://x', timeoutMs: 1, headers: {} }),
    ).toBeInstanceOf(WebhookHandler);
    expect(registry.resolve({ type: 'provider', name: 'missing' })).toBeUndefined();
  });

  it('runs built-in handlers only when opted in (an embedding service takes no webhooks)', async () => {
    const embedded = await bootRegistry({ builtInHandlers: [] });
    expect(embedded.names()).toEqual(['index-orders', 'reserve-stock']);
    expect(
      embedded.resolve({ type: 'webhook', url: 'http://x', timeoutMs: 1, headers: {} }),
    ).toBeUndefined();
    const webhookOnly = await bootRegistry({ builtInHandlers: ['webhook'] });
    expect(webhookOnly.names()).toEqual(['index-orders', 'reserve-stock', 'webhook']);
  });

  it('fails the boot when an application handler takes a built-in name', async () => {
    await expect(
      bootRegistry({ builtInHandlers: [], extra: [ImpostorWebhookHandler] }),
    ).rejects.toThrow(/"webhook" is the name of a built-in handler/);
  });

  it('fails the boot when two handlers share a name', async () => {
    await expect(bootRegistry({ extra: [AnotherReserveStockHandler] })).rejects.toThrow(
      DuplicateChangeHandlerError,
    );
    const error = await bootRegistry({ extra: [AnotherReserveStockHandler] }).catch(
      (e: Error) => e,
    );
    expect((error as Error).message).toContain('"reserve-stock"');
    expect((error as Error).message).toMatch(/\bReserveStockHandler\b/);
    expect((error as Error).message).toContain('AnotherReserveStockHandler');
  });

  it('fails the boot for a handler without handle() or handleBatch()', async () => {
    await expect(bootRegistry({ extra: [NoMethodHandler] })).rejects.toThrow(
      /neither handle\(\) nor handleBatch\(\)/,
    );
  });

  it('rejects handler names that are not slugs', () => {
    expect(() => ChangeHandler('Bad Name')).toThrow(/handler name/);
  });

  it('names the handler a subscription needs', () => {
    expect(requiredHandlerName({ type: 'provider', name: 'reserve-stock' })).toBe('reserve-stock');
    expect(
      requiredHandlerName({ type: 'webhook', url: 'http://x', timeoutMs: 1, headers: {} }),
    ).toBe('webhook');
  });
});
