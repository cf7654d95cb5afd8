import { Module } from '@nestjs/common';
import { InstancesModule } from '../instances/instances.module';
import { HandlersController } from './handlers.controller';
import { HandlersResolver } from './handlers.resolver';
import { HandlersService } from './handlers.service';

/** GET /handlers and the handlers query. */
@Module({
  imports: [InstancesModule],
  controllers: [HandlersController],
  providers: [HandlersService, HandlersResolver],
})
export class HandlersModule {}
