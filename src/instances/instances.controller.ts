import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InstanceView } from './dto/instance.model';
import { InstancesService } from './instances.service';

@ApiTags('instances')
@Controller('instances')
export class InstancesController {
  constructor(private readonly instances: InstancesService) {}

  @Get()
  @ApiOperation({
    summary: 'Processes running the relay runtime, their handlers and the leases they hold',
  })
  @ApiOkResponse({ type: [InstanceView] })
  list(): Promise<InstanceView[]> {
    return this.instances.list();
  }
}
