import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireRole } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { ListSubscriptionsArgs } from './dto/list-subscriptions.args';
import { SubscriptionStatusView } from './dto/subscription-status.model';
import { SubscriptionStatusService } from './subscription-status.service';

/** REST adapter for the statuses of many subscriptions at once (a dashboard's list). */
@ApiTags('subscriptions')
@Controller('statuses')
export class SubscriptionStatusesController {
  constructor(private readonly statuses: SubscriptionStatusService) {}

  @Get()
  @ApiOperation({
    summary:
      'Statuses of the subscriptions the filter selects, sorted by name (a few reads, whatever their number)',
  })
  @ApiOkResponse({ type: [SubscriptionStatusView] })
  @RequireRole('viewer')
  list(
    @Query() args: ListSubscriptionsArgs,
    @CurrentPrincipal() caller: Principal,
  ): Promise<SubscriptionStatusView[]> {
    return this.statuses.list(args, caller);
  }
}
