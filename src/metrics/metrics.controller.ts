import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { RequireRole } from '../auth/auth.decorators';
import { PrometheusExporter } from './prometheus-exporter.service';

/** Prometheus scrape endpoint; open unless METRICS_AUTH=true (then any role may read it). */
@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly exporter: PrometheusExporter) {}

  @Get()
  @RequireRole('viewer')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Prometheus metrics of this instance (text format)' })
  async scrape(@Res({ passthrough: true }) response: Response): Promise<string> {
    response.type(this.exporter.contentType);
    return this.exporter.metrics();
  }
}
