import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
  list(@Query() args: ListSubscriptionsArgs): Promise<SubscriptionStatusView[]> {
    return this.statuses.list(args);
  }
}
