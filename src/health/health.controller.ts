import { Controller, Get, UseFilters } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { MongoHealthIndicator } from './mongo.health';
import { WorkersHealthIndicator } from './workers.health';
import { HealthResponseFilter } from './health-response.filter';

@ApiTags('health')
@Controller('health')
@UseFilters(HealthResponseFilter)
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly mongo: MongoHealthIndicator,
    private readonly workers: WorkersHealthIndicator,
  ) {}

  /** Liveness: the process answers. Never depends on MongoDB, so a database outage is no restart. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /**
   * Readiness: MongoDB answers a ping, and every worker this instance owns reads its stream
   * with a lag under READY_MAX_LAG_MS. 503 with terminus' error shape otherwise.
   */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.mongo.ping('mongodb', 2_000),
      () => this.workers.check('workers'),
    ]);
  }
}
