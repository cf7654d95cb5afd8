import { Logger } from '@nestjs/common';
import { envelopeToJson } from './webhook/webhook.payload';
import type { ChangeEventEnvelope } from './change-event.envelope';
import { ChangeHandler } from './change-handler.decorator';
import type { EventHandler, HandlerContext } from './handler.types';

export const LOG_HANDLER_NAME = 'log';

/** The built-in `log` handler: writes each event to the application log (for trying things out). */
@ChangeHandler(LOG_HANDLER_NAME)
export class LogHandler implements EventHandler {
  private readonly logger = new Logger('ChangeEvents');

  async handle(event: ChangeEventEnvelope, _ctx: HandlerContext): Promise<void> {
    this.logger.log(
      `${event.subscription} ${event.operationType} ${JSON.stringify(envelopeToJson(event))}`,
    );
  }
}
