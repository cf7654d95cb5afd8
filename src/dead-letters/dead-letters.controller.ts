import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPreconditionFailedResponse,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, RequireRole } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import {
  DeadLetterPageView,
  DeadLetterSummaryView,
  DeadLetterEntryView,
  ReplayJobView,
} from './dto/dead-letter.model';
import { DiscardDeadLetterInput } from './dto/discard-dead-letter.input';
import { DeadLetterSummaryArgs, ListDeadLettersArgs } from './dto/list-dead-letters.args';
import { ReplayDeadLettersInput } from './dto/replay-dead-letters.input';
import { DeadLetterReplaysService } from './dead-letter-replays.service';
import { DeadLettersService } from './dead-letters.service';

/** REST adapter of the dead-letter API (under /api/v1). */
@ApiTags('dead-letters')
@ApiBearerAuth()
@Controller('dead-letters')
export class DeadLettersController {
  constructor(
    private readonly deadLetters: DeadLettersService,
    private readonly replays: DeadLetterReplaysService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List dead letters, newest first, a page at a time' })
  @ApiOkResponse({ type: DeadLetterPageView })
  @RequireRole('viewer')
  list(
    @Query() args: ListDeadLettersArgs,
    @CurrentPrincipal() caller: Principal,
  ): Promise<DeadLetterPageView> {
    return this.deadLetters.list(args, caller);
  }

  @Get('summary')
  @ApiOperation({ summary: 'Pending dead letters by subscription and by error' })
  @ApiOkResponse({ type: DeadLetterSummaryView })
  @RequireRole('viewer')
  summary(
    @Query() args: DeadLetterSummaryArgs,
    @CurrentPrincipal() caller: Principal,
  ): Promise<DeadLetterSummaryView> {
    return this.deadLetters.summary(args, caller);
  }

  @Post('replay')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary:
      "Start a replay job: the subscription's owner replays its pending entries in stream order",
  })
  @ApiAcceptedResponse({ type: ReplayJobView })
  @ApiPreconditionFailedResponse({ description: 'The subscription is stale or does not exist' })
  @RequireRole('operator')
  replay(
    @Body() input: ReplayDeadLettersInput,
    @CurrentPrincipal() caller: Principal,
  ): Promise<ReplayJobView> {
    return this.replays.replay(input, caller);
  }

  @Get('replays/:jobId')
  @ApiOperation({ summary: 'A replay job and its counts' })
  @ApiOkResponse({ type: ReplayJobView })
  @ApiNotFoundResponse({ description: 'No replay job has this id' })
  @RequireRole('viewer')
  job(
    @Param('jobId') jobId: string,
    @CurrentPrincipal() caller: Principal,
  ): Promise<ReplayJobView> {
    return this.replays.job(jobId, caller);
  }

  @Post('replays/:jobId/cancel')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Cancel a replay job (entries already replayed stay replayed)' })
  @ApiOkResponse({ type: ReplayJobView })
  @ApiConflictResponse({ description: 'The job has finished' })
  @RequireRole('operator')
  cancel(
    @Param('jobId') jobId: string,
    @CurrentPrincipal() caller: Principal,
  ): Promise<ReplayJobView> {
    return this.replays.cancel(jobId, caller);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One dead letter with its event and replay history' })
  @ApiOkResponse({ type: DeadLetterEntryView })
  @ApiNotFoundResponse({ description: 'No dead letter has this id' })
  @RequireRole('viewer')
  get(
    @Param('id') id: string,
    @CurrentPrincipal() caller: Principal,
  ): Promise<DeadLetterEntryView> {
    return this.deadLetters.get(id, caller);
  }

  @Post(':id/replay')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Replay one entry (a replay job of one)' })
  @ApiAcceptedResponse({ type: ReplayJobView })
  @ApiConflictResponse({ description: 'The entry is replayed or discarded' })
  @ApiPreconditionFailedResponse({ description: 'The subscription is stale or does not exist' })
  @RequireRole('operator')
  replayOne(
    @Param('id') id: string,
    @CurrentPrincipal() caller: Principal,
  ): Promise<ReplayJobView> {
    return this.replays.replayOne(id, caller);
  }

  @Post(':id/discard')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Discard one pending entry, with a reason' })
  @ApiOkResponse({ type: DeadLetterEntryView })
  @ApiConflictResponse({ description: 'The entry is replayed or discarded' })
  @RequireRole('operator')
  discard(
    @Param('id') id: string,
    @Body() input: DiscardDeadLetterInput,
    @CurrentPrincipal() caller: Principal,
  ): Promise<DeadLetterEntryView> {
    return this.deadLetters.discard(id, input, caller);
  }
}
