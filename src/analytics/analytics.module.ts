import { Module } from '@nestjs/common';
import { OplogModule } from '../oplog/oplog.module';
import { AnalyticsController } from './analytics.controller';
import { AnalyticsResolver } from './analytics.resolver';
import { AnalyticsService } from './analytics.service';
import { DashboardController } from './dashboard.controller';
import { DashboardService } from './dashboard.service';
import { AnalyticsTrendsService } from './analytics-trends.service';

/** Analytics over the metric rollups, REST and GraphQL. Repositories come from ChangeRelayModule. */
@Module({
  imports: [OplogModule],
  controllers: [AnalyticsController, DashboardController],
  providers: [AnalyticsService, AnalyticsTrendsService, DashboardService, AnalyticsResolver],
})
export class AnalyticsModule {}
