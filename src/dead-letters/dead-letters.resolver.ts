import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
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

/** GraphQL adapter of the dead-letter API: the same services and input classes as REST. */
@Resolver(() => DeadLetterEntryView)
export class DeadLettersResolver {
  constructor(
    private readonly entries: DeadLettersService,
    private readonly replays: DeadLetterReplaysService,
  ) {}

  @Query(() => DeadLetterPageView, { description: 'Dead letters, newest first, a page at a time' })
  @RequireRole('viewer')
  deadLetters(
    @Args() args: ListDeadLettersArgs,
    @CurrentPrincipal() caller: Principal,
  ): Promise<DeadLetterPageView> {
    return this.entries.list(args, caller);
  }

  @Query(() => DeadLetterEntryView, {
    description: 'One dead letter; NOT_FOUND when none has this id',
  })
  @RequireRole('viewer')
  deadLetter(
    @Args('id') id: string,
    @CurrentPrincipal() caller: Principal,
  ): Promise<DeadLetterEntryView> {
    return this.entries.get(id, caller);
  }

  @Query(() => DeadLetterSummaryView, {
    description: 'Pending dead letters by subscription and error',
  })
  @RequireRole('viewer')
  deadLetterSummary(
    @Args() args: DeadLetterSummaryArgs,
    @CurrentPrincipal() caller: Principal,
  ): Promise<DeadLetterSummaryView> {
    return this.entries.summary(args, caller);
  }

  @Query(() => ReplayJobView, { description: 'A replay job and its counts' })
  @RequireRole('viewer')
  deadLetterReplayJob(
    @Args('jobId') jobId: string,
    @CurrentPrincipal() caller: Principal,
  ): Promise<ReplayJobView> {
    return this.replays.job(jobId, caller);
  }

  @Mutation(() => ReplayJobView, { description: 'Start a replay job (or a dry run)' })
  @RequireRole('operator')
  replayDeadLetters(
    @Args('input') input: ReplayDeadLettersInput,
    @CurrentPrincipal() caller: Principal,
  ): Promise<ReplayJobView> {
    return this.replays.replay(input, caller);
  }

  @Mutation(() => ReplayJobView, { description: 'Replay one dead letter (a job of one)' })
  @RequireRole('operator')
  replayDeadLetter(
    @Args('id') id: string,
    @CurrentPrincipal() caller: Principal,
  ): Promise<ReplayJobView> {
    return this.replays.replayOne(id, caller);
  }

  @Mutation(() => DeadLetterEntryView, { description: 'Discard one pending dead letter' })
  @RequireRole('operator')
  discardDeadLetter(
    @Args('id') id: string,
    @Args('input') input: DiscardDeadLetterInput,
    @CurrentPrincipal() caller: Principal,
  ): Promise<DeadLetterEntryView> {
    return this.entries.discard(id, input, caller);
  }

  @Mutation(() => ReplayJobView, { description: 'Cancel a replay job' })
  @RequireRole('operator')
  cancelDeadLetterReplay(
    @Args('jobId') jobId: string,
    @CurrentPrincipal() caller: Principal,
  ): Promise<ReplayJobView> {
    return this.replays.cancel(jobId, caller);
  }
}
