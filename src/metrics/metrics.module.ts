import { Module } from '@nestjs/common';
import { OplogModule } from '../oplog/oplog.module';
import { MetricsController } from './metrics.controller';
import { PrometheusExporter } from './prometheus-exporter.service';

/** `/metrics` (Prometheus). The relay's recorder, registry and supervisor come from ChangeRelayModule. */
@Module({
  imports: [OplogModule],
  controllers: [MetricsController],
  providers: [PrometheusExporter],
})
export class MetricsModule {}
