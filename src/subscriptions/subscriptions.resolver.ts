import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, RequireRole } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { CreateSubscriptionInput } from './dto/create-subscription.input';
import { LiveWorkerView } from './dto/live-worker.model';
import { ListSubscriptionsArgs } from './dto/list-subscriptions.args';
import { SubscriptionStatusView } from './dto/subscription-status.model';
import { SubscriptionView } from './dto/subscription.model';
import { RewindSubscriptionInput } from './dto/rewind-subscription.input';
import { UpdateSubscriptionInput } from './dto/update-subscription.input';
import { LiveWorkerService } from './live-worker.service';
import { SubscriptionStatusService } from './subscription-status.service';
import { SubscriptionsService } from './subscriptions.service';

/** GraphQL adapter of the subscriptions API: the same service and input classes as REST. */
@Resolver(() => SubscriptionView)
export class SubscriptionsResolver {
  constructor(
    private readonly service: SubscriptionsService,
    private readonly statuses: SubscriptionStatusService,
    private readonly liveWorkers: LiveWorkerService,
  ) {}

  @Query(() => [SubscriptionView], { description: 'Subscriptions, sorted by name' })
  @RequireRole('viewer')
  subscriptions(
    @Args() args: ListSubscriptionsArgs,
    @CurrentPrincipal() caller: Principal,
  ): Promise<SubscriptionView[]> {
    return this.service.list(args, caller);
  }

  @Query(() => SubscriptionView, {
    description: 'One subscription; NOT_FOUND when no subscription has this name',
  })
  @RequireRole('viewer')
  subscription(
    @Args('name') name: string,
    @CurrentPrincipal() caller: Principal,
  ): Promise<SubscriptionView> {
    return this.service.get(name, caller);
  }

  @Query(() => SubscriptionStatusView, {
    description: 'Desired and actual state of a subscription',
  })
  @RequireRole('viewer')
  subscriptionStatus(
    @Args('name') name: string,
    @CurrentPrincipal() caller: Principal,
  ): Promise<SubscriptionStatusView> {
    return this.statuses.status(name, caller);
  }

  @Query(() => [SubscriptionStatusView], {
    description: 'Statuses of the subscriptions the filter selects, sorted by name',
  })
  @RequireRole('viewer')
  subscriptionStatuses(
    @Args() args: ListSubscriptionsArgs,
    @CurrentPrincipal() caller: Principal,
  ): Promise<SubscriptionStatusView[]> {
    return this.statuses.list(args, caller);
  }

  @Query(() => LiveWorkerView, {
    description:
      "The live figures of the subscription's engine, from its owner; FAILED_PRECONDITION when nobody runs it",
  })
  @RequireRole('viewer')
  subscriptionLive(
    @Args('name') name: string,
    @CurrentPrincipal() caller: Principal,
  ): Promise<LiveWorkerView> {
    return this.liveWorkers.live(name, caller);
  }

  @Mutation(() => SubscriptionView, { description: 'Create a subscription' })
  @RequireRole('admin')
  createSubscription(
    @Args('input') input: CreateSubscriptionInput,
    @CurrentPrincipal() caller: Principal,
  ): Promise<SubscriptionView> {
    return this.service.create(input, caller);
  }

  @Mutation(() => SubscriptionView, { description: 'Change a subscription (merge patch)' })
  @RequireRole('admin')
  updateSubscription(
    @Args('name') name: string,
    @Args('input') input: UpdateSubscriptionInput,
    @CurrentPrincipal() caller: Principal,
  ): Promise<SubscriptionView> {
    return this.service.update(name, input, caller);
  }

  @Mutation(() => Boolean, { description: 'Delete a subscription; true when it was deleted' })
  @RequireRole('admin')
  async deleteSubscription(
    @Args('name') name: string,
    @CurrentPrincipal() caller: Principal,
  ): Promise<boolean> {
    await this.service.delete(name, caller);
    return true;
  }

  @Mutation(() => SubscriptionView, { description: 'Stop delivering; the checkpoint is kept' })
  @RequireRole('operator')
  pauseSubscription(
    @Args('name') name: string,
    @CurrentPrincipal() caller: Principal,
  ): Promise<SubscriptionView> {
    return this.service.pause(name, caller);
  }

  @Mutation(() => SubscriptionView, { description: 'Deliver again from the checkpoint' })
  @RequireRole('operator')
  resumeSubscription(
    @Args('name') name: string,
    @CurrentPrincipal() caller: Principal,
  ): Promise<SubscriptionView> {
    return this.service.resume(name, caller);
  }

  @Mutation(() => SubscriptionView, { description: 'Start again from now; the way out of stale' })
  @RequireRole('operator')
  resetSubscription(
    @Args('name') name: string,
    @CurrentPrincipal() caller: Principal,
  ): Promise<SubscriptionView> {
    return this.service.reset(name, caller);
  }

  @Mutation(() => SubscriptionView, {
    description:
      'Copy the existing documents again (snapshot events), then stream from the time of the request; also for a stale subscription',
  })
  @RequireRole('operator')
  resyncSubscription(
    @Args('name') name: string,
    @CurrentPrincipal() caller: Principal,
  ): Promise<SubscriptionView> {
    return this.service.resync(name, caller);
  }

  @Mutation(() => SubscriptionView, {
    description:
      'Deliver again from a past time (duplicates expected); refused when the oplog no longer reaches back that far',
  })
  @RequireRole('operator')
  rewindSubscription(
    @Args('name') name: string,
    @Args('input') input: RewindSubscriptionInput,
    @CurrentPrincipal() caller: Principal,
  ): Promise<SubscriptionView> {
    return this.service.rewind(name, input, caller);
  }
}
