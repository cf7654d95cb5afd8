import { Module } from '@nestjs/common';
import { OplogWindowService } from './oplog-window.service';

/** The oplog window of the deployment and each subscription's margin to it. */
@Module({
  providers: [OplogWindowService],
  exports: [OplogWindowService],
})
export class OplogModule {}
