import { Module } from '@nestjs/common';
import { InstancesModule } from '../instances/instances.module';
import { OplogModule } from '../oplog/oplog.module';
import { ClusterClock } from './cluster-clock';
import { LiveWorkerService } from './live-worker.service';
import { SubscriptionStatusService } from './subscription-status.service';
import { SubscriptionStatusesController } from './subscription-statuses.controller';
import { SubscriptionsController } from './subscriptions.controller';
import { SubscriptionsResolver } from './subscriptions.resolver';
import { SubscriptionsService } from './subscriptions.service';

/**
 * The subscriptions admin API, REST and GraphQL. The relay's repositories and supervisor come
 * from the global ChangeRelayModule.
 */
@Module({
  imports: [InstancesModule, OplogModule],
  controllers: [SubscriptionsController, SubscriptionStatusesController],
  providers: [
    SubscriptionsService,
    SubscriptionStatusService,
    LiveWorkerService,
    SubscriptionsResolver,
    ClusterClock,
  ],
  exports: [SubscriptionsService],
})
export class SubscriptionsModule {}
