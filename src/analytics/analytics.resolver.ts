import { Args, Query, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, RequireRole } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { AnalyticsService } from './analytics.service';
import { AnalyticsOverviewArgs } from './dto/analytics-range.args';
import { AnalyticsOverviewView, AnalyticsTrendsView, DashboardView } from './dto/analytics.model';
import { DashboardService } from './dashboard.service';
import { AnalyticsTrendsArgs } from './dto/analytics-trends.args';
import { AnalyticsTrendsService } from './analytics-trends.service';
import { AnalyticsErrorsService } from './analytics-errors.service';
import { AnalyticsErrorsArgs } from './dto/analytics-errors.args';
import { AnalyticsErrorsView } from './dto/analytics-errors.model';
import { InteractionsArgs, ProcessArgs, ProcessesArgs } from './dto/journal-analytics.args';
import {
  InteractionsView,
  ProcessTimelineView,
  ProcessesView,
} from './dto/journal-analytics.model';
import { JournalAnalyticsService } from './journal-analytics.service';

@Resolver()
export class AnalyticsResolver {
  constructor(
    private readonly analytics: AnalyticsService,
    private readonly trendsService: AnalyticsTrendsService,
    private readonly dashboards: DashboardService,
    private readonly errorsService: AnalyticsErrorsService,
    private readonly journal: JournalAnalyticsService,
  ) {}

  @Query(() => ProcessesView, {
    description: 'Business processes from the event journal, with a summary',
  })
  @RequireRole('viewer')
  analyticsProcesses(
    @Args() args: ProcessesArgs,
    @CurrentPrincipal() caller: Principal,
  ): Promise<ProcessesView> {
    return this.journal.processes(args, caller);
  }

  @Query(() => ProcessTimelineView, { description: 'The timeline of one process' })
  @RequireRole('viewer')
  analyticsProcess(
    @Args() args: ProcessArgs,
    @CurrentPrincipal() caller: Principal,
  ): Promise<ProcessTimelineView> {
    return this.journal.process(args.correlationId, caller);
  }

  @Query(() => InteractionsView, {
    description: 'The dependency graph of the services (nodes and edges) from the event journal',
  })
  @RequireRole('viewer')
  analyticsInteractions(
    @Args() args: InteractionsArgs,
    @CurrentPrincipal() caller: Principal,
  ): Promise<InteractionsView> {
    return this.journal.interactions(args, caller);
  }

  @Query(() => DashboardView, { description: 'Everything for one screen, in a few reads' })
  @RequireRole('viewer')
  dashboard(@CurrentPrincipal() caller: Principal): Promise<DashboardView> {
    return this.dashboards.dashboard(caller);
  }

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

  @Query(() => AnalyticsTrendsView, {
    description: 'Time series per bucket, gaps filled with zeros',
  })
  @RequireRole('viewer')
  analyticsTrends(
    @Args() args: AnalyticsTrendsArgs,
    @CurrentPrincipal() caller: Principal,
  ): Promise<AnalyticsTrendsView> {
    return this.trendsService.trends(args, caller);
  }

  @Query(() => AnalyticsErrorsView, {
    description: 'Failures grouped by subscription and error (name, code, HTTP status)',
  })
  @RequireRole('viewer')
  analyticsErrors(
    @Args() args: AnalyticsErrorsArgs,
    @CurrentPrincipal() caller: Principal,
  ): Promise<AnalyticsErrorsView> {
    return this.errorsService.errors(args, caller);
  }
}
