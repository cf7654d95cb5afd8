import { Module } from '@nestjs/common';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module';
import { SqlSubscriptionsService } from './ddl/sql-subscriptions.service';
import { SqlQueryRepository } from './query/sql-query.repository';
import { SqlController } from './sql.controller';
import { SqlResolver } from './sql.resolver';
import { SqlService } from './sql.service';
import { SqlViewsRepository } from './views/sql-views.repository';

/** The SQL interface: EVENT_SUBSCRIPTION statements, monitoring queries, views. */
@Module({
  imports: [SubscriptionsModule],
  controllers: [SqlController],
  providers: [
    SqlService,
    SqlSubscriptionsService,
    SqlQueryRepository,
    SqlViewsRepository,
    SqlResolver,
  ],
})
export class SqlModule {}
