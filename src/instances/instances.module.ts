import { Module } from '@nestjs/common';
import { InstancesController } from './instances.controller';
import { InstancesResolver } from './instances.resolver';
import { InstancesService } from './instances.service';

/** GET /instances and the instances query. Repositories come from the global ChangeRelayModule. */
@Module({
  controllers: [InstancesController],
  providers: [InstancesService, InstancesResolver],
  exports: [InstancesService],
})
export class InstancesModule {}
