import { Controller, Get } from '@nestjs/common';
import { CurrentPrincipal, RequireRole } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HandlerInfoView } from './dto/handler-info.model';
import { HandlersService } from './handlers.service';

@ApiTags('handlers')
@RequireRole('viewer')
@ApiBearerAuth()
@Controller('handlers')
export class HandlersController {
  constructor(private readonly handlers: HandlersService) {}

  @Get()
  @ApiOperation({
    summary: 'Handler names across live instances, the built-ins, and the subscriptions using each',
  })
  @ApiOkResponse({ type: [HandlerInfoView] })
  list(@CurrentPrincipal() caller: Principal): Promise<HandlerInfoView[]> {
    return this.handlers.list(caller);
  }
}
