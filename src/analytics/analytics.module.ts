import { Module } from '@nestjs/common';
import { AnalyticsController } from './analytics.controller';
import { AnalyticsResolver } from './analytics.resolver';
import { AnalyticsService } from './analytics.service';
import { AnalyticsTrendsService } from './analytics-trends.service';

/** Analytics over the metric rollups, REST and GraphQL. Repositories come from ChangeRelayModule. */
@Module({
  controllers: [AnalyticsController],
  providers: [AnalyticsService, AnalyticsTrendsService, AnalyticsResolver],
})
export class AnalyticsModule {}
