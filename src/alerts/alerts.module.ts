import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { OplogModule } from '../oplog/oplog.module';
import { ALERT_STATE_MODEL, AlertStateSchema } from './alert-state.schema';
import { AlertSender } from './alert.sender';
import { AlertStatesRepository } from './alert-states.repository';
import { AlertsScheduler } from './alerts.scheduler';
import { AlertsService } from './alerts.service';

/** Alert notifications on health changes (ALERT_* variables). Repositories from ChangeRelayModule. */
@Module({
  imports: [
    MongooseModule.forFeature([{ name: ALERT_STATE_MODEL, schema: AlertStateSchema }]),
    OplogModule,
  ],
  providers: [AlertStatesRepository, AlertSender, AlertsService, AlertsScheduler],
})
export class AlertsModule {}
