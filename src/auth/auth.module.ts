import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { MongooseModule } from '@nestjs/mongoose';
import { ApiTokensController } from './api-tokens.controller';
import { ApiTokensRepository } from './api-tokens.repository';
import { ApiTokensResolver } from './api-tokens.resolver';
import { ApiTokensService } from './api-tokens.service';
import { API_TOKEN_MODEL, ApiTokenSchema } from './api-token.schema';
import { RolesGuard } from './roles.guard';

/**
 * Bearer-token authentication (the Express middleware bootstrap installs, with ApiTokensService),
 * roles (a global guard) and token management.
 */
@Module({
  imports: [MongooseModule.forFeature([{ name: API_TOKEN_MODEL, schema: ApiTokenSchema }])],
  controllers: [ApiTokensController],
  providers: [
    ApiTokensRepository,
    ApiTokensService,
    ApiTokensResolver,
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
  exports: [ApiTokensService],
})
export class AuthModule {}
