import { Module } from '@nestjs/common';
import { DeadLetterReplaysService } from './dead-letter-replays.service';
import { DeadLettersController } from './dead-letters.controller';
import { DeadLettersResolver } from './dead-letters.resolver';
import { DeadLettersService } from './dead-letters.service';

/**
 * The dead-letter API, REST and GraphQL. Repositories and the owner command client come from
 * the global ChangeRelayModule; replays run in the subscription's owner.
 */
@Module({
  controllers: [DeadLettersController],
  providers: [DeadLettersService, DeadLetterReplaysService, DeadLettersResolver],
})
export class DeadLettersModule {}
