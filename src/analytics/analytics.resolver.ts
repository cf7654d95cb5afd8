import { Args, Query, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, RequireRole } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { AnalyticsService } from './analytics.service';
import { AnalyticsOverviewArgs } from './dto/analytics-range.args';
import { AnalyticsOverviewView } from './dto/analytics.model';

@Resolver()
export class AnalyticsResolver {
  constructor(private readonly analytics: AnalyticsService) {}

  @Query(() => AnalyticsOverviewView, {
    description: 'Totals, rates, latency, lag, health and one row per subscription',
  })
  @RequireRole('viewer')
  analyticsOverview(
    @Args() args: AnalyticsOverviewArgs,
    @CurrentPrincipal() caller: Principal,
  ): Promise<AnalyticsOverviewView> {
    return this.analytics.overview(args, caller);
  }
}
