import { Controller, Get } from '@nestjs/common';
import { CurrentPrincipal, RequireRole } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InstanceView } from './dto/instance.model';
import { InstancesService } from './instances.service';

@ApiTags('instances')
@RequireRole('viewer')
@ApiBearerAuth()
@Controller('instances')
export class InstancesController {
  constructor(private readonly instances: InstancesService) {}

  @Get()
  @ApiOperation({
    summary: 'Processes running the relay runtime, their handlers and the leases they hold',
  })
  @ApiOkResponse({ type: [InstanceView] })
  list(@CurrentPrincipal() caller: Principal): Promise<InstanceView[]> {
    return this.instances.list(caller);
  }
}
