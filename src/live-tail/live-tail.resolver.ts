import { Args, Resolver, Subscription } from '@nestjs/graphql';
import { CurrentPrincipal, RequireRole } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { LiveDeliveryView } from './dto/live-delivery.model';
import { SubscriptionEventsArgs } from './dto/subscription-events.args';
import { LiveTailService } from './live-tail.service';
import type { LiveTailStream } from './live-tail.stream';

@Resolver()
export class LiveTailResolver {
  constructor(private readonly liveTail: LiveTailService) {}

  @Subscription(() => LiveDeliveryView, {
    description:
      "Live tail of one subscription's deliveries, from whichever instance runs it (graphql-ws; sampled when busy)",
    resolve: (delivery: LiveDeliveryView) => delivery,
  })
  @RequireRole('viewer')
  subscriptionEvents(
    @Args() args: SubscriptionEventsArgs,
    @CurrentPrincipal() caller: Principal,
  ): Promise<LiveTailStream> {
    return this.liveTail.open(args.name, caller);
  }
}
