import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPreconditionFailedResponse,
  ApiTags,
  ApiBearerAuth,
} from '@nestjs/swagger';
import { CurrentPrincipal, RequireRole } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { CreateSubscriptionInput } from './dto/create-subscription.input';
import { LiveWorkerView } from './dto/live-worker.model';
import { ListSubscriptionsArgs } from './dto/list-subscriptions.args';
import { SubscriptionStatusView } from './dto/subscription-status.model';
import { SubscriptionView } from './dto/subscription.model';
import { RewindSubscriptionInput } from './dto/rewind-subscription.input';
import { UpdateSubscriptionInput } from './dto/update-subscription.input';
import { LiveWorkerService } from './live-worker.service';
import { SubscriptionStatusService } from './subscription-status.service';
import { SubscriptionsService } from './subscriptions.service';

/** REST adapter of the subscriptions API (under /api/v1). Errors have the shape of src/common/errors. */
@ApiTags('subscriptions')
@ApiBearerAuth()
@ApiNotFoundResponse({ description: 'No subscription has this name' })
@Controller('subscriptions')
export class SubscriptionsController {
  constructor(
    private readonly subscriptions: SubscriptionsService,
    private readonly statuses: SubscriptionStatusService,
    private readonly liveWorkers: LiveWorkerService,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Create a subscription; it starts delivering changes written from now on',
  })
  @ApiCreatedResponse({ type: SubscriptionView })
  @ApiBadRequestResponse({ description: 'Invalid input; `details` names each field and why' })
  @ApiConflictResponse({ description: 'A subscription has this name' })
  @RequireRole('admin')
  create(
    @Body() input: CreateSubscriptionInput,
    @CurrentPrincipal() caller: Principal,
  ): Promise<SubscriptionView> {
    return this.subscriptions.create(input, caller);
  }

  @Get()
  @ApiOperation({ summary: 'List subscriptions, sorted by name' })
  @ApiOkResponse({ type: [SubscriptionView] })
  @RequireRole('viewer')
  list(
    @Query() args: ListSubscriptionsArgs,
    @CurrentPrincipal() caller: Principal,
  ): Promise<SubscriptionView[]> {
    return this.subscriptions.list(args, caller);
  }

  @Get(':name')
  @ApiOperation({ summary: 'Get a subscription (secrets are never returned)' })
  @ApiOkResponse({ type: SubscriptionView })
  @RequireRole('viewer')
  get(
    @Param('name') name: string,
    @CurrentPrincipal() caller: Principal,
  ): Promise<SubscriptionView> {
    return this.subscriptions.get(name, caller);
  }

  @Patch(':name')
  @ApiOperation({
    summary: 'Change a subscription (merge patch); its worker restarts with the new definition',
  })
  @ApiOkResponse({ type: SubscriptionView })
  @ApiBadRequestResponse({ description: 'Invalid input, or the merged subscription is invalid' })
  @RequireRole('admin')
  update(
    @Param('name') name: string,
    @Body() patch: UpdateSubscriptionInput,
    @CurrentPrincipal() caller: Principal,
  ): Promise<SubscriptionView> {
    return this.subscriptions.update(name, patch, caller);
  }

  @Delete(':name')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a subscription; its worker stops' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @RequireRole('admin')
  delete(@Param('name') name: string, @CurrentPrincipal() caller: Principal): Promise<void> {
    return this.subscriptions.delete(name, caller);
  }

  @Post(':name/pause')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Stop delivering; the checkpoint is kept' })
  @ApiOkResponse({ type: SubscriptionView })
  @RequireRole('operator')
  pause(
    @Param('name') name: string,
    @CurrentPrincipal() caller: Principal,
  ): Promise<SubscriptionView> {
    return this.subscriptions.pause(name, caller);
  }

  @Post(':name/resume')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Deliver again, from the checkpoint' })
  @ApiOkResponse({ type: SubscriptionView })
  @ApiPreconditionFailedResponse({ description: 'The subscription is stale: reset it' })
  @RequireRole('operator')
  resume(
    @Param('name') name: string,
    @CurrentPrincipal() caller: Principal,
  ): Promise<SubscriptionView> {
    return this.subscriptions.resume(name, caller);
  }

  @Post(':name/reset')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Start again from now, dropping the checkpoint; the way out of stale' })
  @ApiOkResponse({ type: SubscriptionView })
  @RequireRole('operator')
  reset(
    @Param('name') name: string,
    @CurrentPrincipal() caller: Principal,
  ): Promise<SubscriptionView> {
    return this.subscriptions.reset(name, caller);
  }

  @Post(':name/resync')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary:
      'Copy the existing documents again (snapshot events), then stream from the time of this request; also the way out of stale that loses nothing',
  })
  @ApiOkResponse({ type: SubscriptionView })
  @RequireRole('operator')
  resync(
    @Param('name') name: string,
    @CurrentPrincipal() caller: Principal,
  ): Promise<SubscriptionView> {
    return this.subscriptions.resync(name, caller);
  }

  @Post(':name/rewind')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Deliver again from a past time; events after it arrive again (duplicates expected)',
  })
  @ApiOkResponse({ type: SubscriptionView })
  @ApiBadRequestResponse({ description: 'timestamp missing, not a date, or in the future' })
  @ApiPreconditionFailedResponse({
    description: "The time is older than the oplog's first entry; the message gives the window",
  })
  @RequireRole('operator')
  rewind(
    @Param('name') name: string,
    @Body() input: RewindSubscriptionInput,
    @CurrentPrincipal() caller: Principal,
  ): Promise<SubscriptionView> {
    return this.subscriptions.rewind(name, input, caller);
  }

  @Get(':name/status')
  @ApiOperation({
    summary:
      'Desired and actual state, owner, lease, checkpoint, lag, counters, last error, warnings',
  })
  @ApiOkResponse({ type: SubscriptionStatusView })
  @RequireRole('viewer')
  status(
    @Param('name') name: string,
    @CurrentPrincipal() caller: Principal,
  ): Promise<SubscriptionStatusView> {
    return this.statuses.status(name, caller);
  }

  @Get(':name/live')
  @ApiOperation({
    summary:
      "Ask the subscription's owner for the live figures of its engine (in flight, queued, running calls)",
  })
  @ApiOkResponse({ type: LiveWorkerView })
  @ApiPreconditionFailedResponse({ description: 'No instance runs it (paused, stale, unassigned)' })
  @RequireRole('viewer')
  live(
    @Param('name') name: string,
    @CurrentPrincipal() caller: Principal,
  ): Promise<LiveWorkerView> {
    return this.liveWorkers.live(name, caller);
  }
}
