import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireRole } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { AnalyticsService } from './analytics.service';
import { AnalyticsOverviewArgs } from './dto/analytics-range.args';
import { AnalyticsOverviewView, AnalyticsTrendsView } from './dto/analytics.model';
import { AnalyticsTrendsArgs } from './dto/analytics-trends.args';
import { AnalyticsTrendsService } from './analytics-trends.service';
import { AnalyticsErrorsService } from './analytics-errors.service';
import { AnalyticsErrorsArgs } from './dto/analytics-errors.args';
import { AnalyticsErrorsView } from './dto/analytics-errors.model';
import { InteractionsArgs, ProcessesArgs } from './dto/journal-analytics.args';
import {
  InteractionsView,
  ProcessTimelineView,
  ProcessesView,
} from './dto/journal-analytics.model';
import { JournalAnalyticsService } from './journal-analytics.service';

/** REST adapter of the analytics (the GraphQL resolver shares the service and inputs). */
@ApiTags('analytics')
@Controller('analytics')
export class AnalyticsController {
  constructor(
    private readonly analytics: AnalyticsService,
    private readonly trendsService: AnalyticsTrendsService,
    private readonly errorsService: AnalyticsErrorsService,
    private readonly journal: JournalAnalyticsService,
  ) {}

  @Get('processes')
  @ApiOperation({
    summary:
      'Business processes from the event journal: status, sequence, duration, business values; summary',
  })
  @ApiOkResponse({ type: ProcessesView })
  @RequireRole('viewer')
  processes(
    @Query() args: ProcessesArgs,
    @CurrentPrincipal() caller: Principal,
  ): Promise<ProcessesView> {
    return this.journal.processes(args, caller);
  }

  @Get('processes/:correlationId')
  @ApiOperation({ summary: 'The timeline of one process: every journaled event with its outcome' })
  @ApiOkResponse({ type: ProcessTimelineView })
  @RequireRole('viewer')
  process(
    @Param('correlationId') correlationId: string,
    @CurrentPrincipal() caller: Principal,
  ): Promise<ProcessTimelineView> {
    return this.journal.process(correlationId, caller);
  }

  @Get('interactions')
  @ApiOperation({
    summary: 'Service interactions from the event journal: edges source service → subscriber',
  })
  @ApiOkResponse({ type: InteractionsView })
  @RequireRole('viewer')
  interactions(
    @Query() args: InteractionsArgs,
    @CurrentPrincipal() caller: Principal,
  ): Promise<InteractionsView> {
    return this.journal.interactions(args, caller);
  }

  @Get('overview')
  @ApiOperation({ summary: 'Totals, rates, latency, lag, health and one row per subscription' })
  @ApiOkResponse({ type: AnalyticsOverviewView })
  @RequireRole('viewer')
  overview(
    @Query() args: AnalyticsOverviewArgs,
    @CurrentPrincipal() caller: Principal,
  ): Promise<AnalyticsOverviewView> {
    return this.analytics.overview(args, caller);
  }

  @Get('trends')
  @ApiOperation({ summary: 'Time series per bucket, gaps filled with zeros' })
  @ApiOkResponse({ type: AnalyticsTrendsView })
  @RequireRole('viewer')
  trends(
    @Query() args: AnalyticsTrendsArgs,
    @CurrentPrincipal() caller: Principal,
  ): Promise<AnalyticsTrendsView> {
    return this.trendsService.trends(args, caller);
  }

  @Get('errors')
  @ApiOperation({
    summary: 'Failures grouped by subscription and error (name, code, HTTP status)',
  })
  @ApiOkResponse({ type: AnalyticsErrorsView })
  @RequireRole('viewer')
  errors(
    @Query() args: AnalyticsErrorsArgs,
    @CurrentPrincipal() caller: Principal,
  ): Promise<AnalyticsErrorsView> {
    return this.errorsService.errors(args, caller);
  }
}
