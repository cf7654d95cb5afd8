import { Inject } from '@nestjs/common';
import { RequireRole } from '../auth/auth.decorators';
import { Query, Resolver } from '@nestjs/graphql';
import { AppConfig } from '../config/app-config';
import { MONGO_BACKEND } from '../database/database.tokens';
import type { MongoBackend } from '../database/mongo-backend';
import { About } from './about.model';
import { version } from '../../package.json';

@RequireRole('viewer')
@Resolver(() => About)
export class AboutResolver {
  constructor(
    private readonly config: AppConfig,
    @Inject(MONGO_BACKEND) private readonly backend: MongoBackend,
  ) {}

  @Query(() => About, { description: 'Which instance answered, and on which backend' })
  about(): About {
    return {
      serviceName: this.config.serviceName,
      instanceId: this.config.instanceId,
      version,
      backend: this.backend.kind,
    };
  }
}
