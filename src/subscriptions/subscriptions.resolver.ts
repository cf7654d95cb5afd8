import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CreateSubscriptionInput } from './dto/create-subscription.input';
import { LiveWorkerView } from './dto/live-worker.model';
import { ListSubscriptionsArgs } from './dto/list-subscriptions.args';
import { SubscriptionStatusView } from './dto/subscription-status.model';
import { SubscriptionView } from './dto/subscription.model';
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
  subscriptions(@Args() args: ListSubscriptionsArgs): Promise<SubscriptionView[]> {
    return this.service.list(args);
  }

  @Query(() => SubscriptionView, {
    description: 'One subscription; NOT_FOUND when no subscription has this name',
  })
  subscription(@Args('name') name: string): Promise<SubscriptionView> {
    return this.service.get(name);
  }

  @Query(() => SubscriptionStatusView, {
    description: 'Desired and actual state of a subscription',
  })
  subscriptionStatus(@Args('name') name: string): Promise<SubscriptionStatusView> {
    return this.statuses.status(name);
  }

  @Query(() => [SubscriptionStatusView], {
    description: 'Statuses of the subscriptions the filter selects, sorted by name',
  })
  subscriptionStatuses(@Args() args: ListSubscriptionsArgs): Promise<SubscriptionStatusView[]> {
    return this.statuses.list(args);
  }

  @Query(() => LiveWorkerView, {
    description:
      "The live figures of the subscription's engine, from its owner; FAILED_PRECONDITION when nobody runs it",
  })
  subscriptionLive(@Args('name') name: string): Promise<LiveWorkerView> {
    return this.liveWorkers.live(name);
  }

  @Mutation(() => SubscriptionView, { description: 'Create a subscription' })
  createSubscription(@Args('input') input: CreateSubscriptionInput): Promise<SubscriptionView> {
    return this.service.create(input);
  }

  @Mutation(() => SubscriptionView, { description: 'Change a subscription (merge patch)' })
  updateSubscription(
    @Args('name') name: string,
    @Args('input') input: UpdateSubscriptionInput,
  ): Promise<SubscriptionView> {
    return this.service.update(name, input);
  }

  @Mutation(() => Boolean, { description: 'Delete a subscription; true when it was deleted' })
  async deleteSubscription(@Args('name') name: string): Promise<boolean> {
    await this.service.delete(name);
    return true;
  }

  @Mutation(() => SubscriptionView, { description: 'Stop delivering; the checkpoint is kept' })
  pauseSubscription(@Args('name') name: string): Promise<SubscriptionView> {
    return this.service.pause(name);
  }

  @Mutation(() => SubscriptionView, { description: 'Deliver again from the checkpoint' })
  resumeSubscription(@Args('name') name: string): Promise<SubscriptionView> {
    return this.service.resume(name);
  }

  @Mutation(() => SubscriptionView, { description: 'Start again from now; the way out of stale' })
  resetSubscription(@Args('name') name: string): Promise<SubscriptionView> {
    return this.service.reset(name);
  }
}
