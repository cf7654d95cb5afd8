import { Injectable } from '@nestjs/common';
import { LiveTailRepository, SubscriptionsRepository } from '@app/relay';
import { canAccessService, type Principal } from '../auth/principal';
import { ClusterClock } from '../subscriptions/cluster-clock';
import { SubscriptionErrors } from '../subscriptions/subscriptions.errors';
import { LiveTailStream } from './live-tail.stream';

/** Opens live tails of subscriptions the caller may see. */
@Injectable()
export class LiveTailService {
  constructor(
    private readonly subscriptions: SubscriptionsRepository,
    private readonly repository: LiveTailRepository,
    private readonly clock: ClusterClock,
  ) {}

  async open(name: string, caller: Principal): Promise<LiveTailStream> {
    const subscription = await this.subscriptions.findByName(name);
    if (!subscription || !canAccessService(caller, subscription.serviceName)) {
      throw SubscriptionErrors.notFound(name);
    }
    return new LiveTailStream(this.repository, this.clock, name).start();
  }
}
