import { Module } from '@nestjs/common';
import { OplogMarginService } from './oplog-margin.service';
import { OplogWindowScheduler } from './oplog-window.scheduler';
import { OplogWindowService } from './oplog-window.service';

/**
 * The oplog window of the deployment and each subscription's margin to it. Repositories and the
 * config come from the global relay and config modules.
 */
@Module({
  providers: [OplogWindowService, OplogMarginService, OplogWindowScheduler],
  exports: [OplogWindowService, OplogMarginService],
})
export class OplogModule {}
