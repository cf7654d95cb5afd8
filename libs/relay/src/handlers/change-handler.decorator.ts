import { applyDecorators, Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';

/** The discoverable marker behind `@ChangeHandler`; its value is the handler name. */
export const ChangeHandlerMarker = DiscoveryService.createDecorator<string>();

/** Handler names: what `handler.name` of a provider subscription refers to. */
export const HANDLER_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,99}$/;

/**
 * Declares a provider as the handler named `name` (implement `EventHandler` or
 * `BatchEventHandler`). Discovered at startup; two handlers with one name fail the boot.
 */
export function ChangeHandler(name: string): ClassDecorator {
  if (!HANDLER_NAME_PATTERN.test(name)) {
    throw new Error(
      `@ChangeHandler('${name}'): a handler name is lowercase letters, digits, '.', '_' or '-' (max 100)`,
    );
  }
  return applyDecorators(Injectable(), ChangeHandlerMarker(name));
}
