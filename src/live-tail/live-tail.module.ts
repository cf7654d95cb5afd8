import { Module } from '@nestjs/common';
import { ClusterClock } from '../subscriptions/cluster-clock';
import { LiveTailResolver } from './live-tail.resolver';
import { LiveTailService } from './live-tail.service';

/** GraphQL `subscriptionEvents`: live tails over graphql-ws. Repositories from ChangeRelayModule. */
@Module({ providers: [LiveTailService, LiveTailResolver, ClusterClock] })
export class LiveTailModule {}
