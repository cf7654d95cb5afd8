import { Injectable } from '@nestjs/common';
import {
  LOG_HANDLER_NAME,
  requiredHandlerName,
  SubscriptionsRepository,
  WEBHOOK_HANDLER_NAME,
} from '@app/relay';
import { canAccessService, type Principal } from '../auth/principal';
import { InstancesService } from '../instances/instances.service';
import type { HandlerInfoView } from './dto/handler-info.model';

/** The handlers every runtime instance registers besides the service's own. */
export const BUILT_IN_HANDLERS: readonly string[] = [LOG_HANDLER_NAME, WEBHOOK_HANDLER_NAME];

/**
 * Handler names across live instances, plus the built-ins and any name a subscription refers to,
 * so an operator sees which subscriptions no live instance can run.
 */
@Injectable()
export class HandlersService {
  constructor(
    private readonly instances: InstancesService,
    private readonly subscriptions: SubscriptionsRepository,
  ) {}

  /** A service-scoped caller sees only its services' subscriptions among the users of a handler. */
  async list(caller: Principal): Promise<HandlerInfoView[]> {
    const [live, subscriptions] = await Promise.all([
      this.instances.live(),
      this.subscriptions.list(),
    ]);
    const byName = new Map<string, HandlerInfoView>();
    const entry = (name: string): HandlerInfoView => {
      let info = byName.get(name);
      if (!info) {
        info = {
          name,
          builtIn: BUILT_IN_HANDLERS.includes(name),
          instances: [],
          subscriptions: [],
        };
        byName.set(name, info);
      }
      return info;
    };
    BUILT_IN_HANDLERS.forEach(entry);
    for (const instance of live) {
      instance.handlers.forEach((name) => entry(name).instances.push(instance.id));
    }
    for (const subscription of subscriptions) {
      if (!canAccessService(caller, subscription.serviceName)) {
        continue;
      }
      entry(requiredHandlerName(subscription.handler)).subscriptions.push(subscription.name);
    }
    return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}
