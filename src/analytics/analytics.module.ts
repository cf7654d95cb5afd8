import { Module } from '@nestjs/common';
import { OplogModule } from '../oplog/oplog.module';
import { AnalyticsController } from './analytics.controller';
import { AnalyticsResolver } from './analytics.resolver';
import { AnalyticsService } from './analytics.service';
import { DashboardController } from './dashboard.controller';
import { DashboardService } from './dashboard.service';
import { AnalyticsTrendsService } from './analytics-trends.service';
import { AnalyticsErrorsService } from './analytics-errors.service';
import { JournalAnalyticsService } from './journal-analytics.service';

/** Analytics over the metric rollups, REST and GraphQL. Repositories come from ChangeRelayModule. */
@Module({
  imports: [OplogModule],
  controllers: [AnalyticsController, DashboardController],
  providers: [
    AnalyticsService,
    AnalyticsTrendsService,
    AnalyticsErrorsService,
    JournalAnalyticsService,
    DashboardService,
    AnalyticsResolver,
  ],
})
export class AnalyticsModule {}
