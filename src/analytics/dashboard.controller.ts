import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireRole } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { DashboardService } from './dashboard.service';
import { DashboardView } from './dto/analytics.model';

@ApiTags('analytics')
@Controller('dashboard')
export class DashboardController {
  constructor(private readonly dashboards: DashboardService) {}

  @Get()
  @ApiOperation({ summary: 'Everything for one screen, in a few reads' })
  @ApiOkResponse({ type: DashboardView })
  @RequireRole('viewer')
  dashboard(@CurrentPrincipal() caller: Principal): Promise<DashboardView> {
    return this.dashboards.dashboard(caller);
  }
}
