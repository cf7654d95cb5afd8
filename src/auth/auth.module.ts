import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { MongooseModule } from '@nestjs/mongoose';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config';
import { ApiTokensController } from './api-tokens.controller';
import { ApiTokensRepository } from './api-tokens.repository';
import { ApiTokensResolver } from './api-tokens.resolver';
import { ApiTokensService } from './api-tokens.service';
import { API_TOKEN_MODEL, ApiTokenSchema } from './api-token.schema';
import { JwtVerifier } from './jwt-verifier';
import { RolesGuard } from './roles.guard';
import { TokenThrottlerGuard } from './token-throttler.guard';

/**
 * Bearer-token authentication (the Express middleware bootstrap installs, with ApiTokensService),
 * rate limits per token and roles (global guards), and token management.
 */
@Module({
  imports: [
    MongooseModule.forFeature([{ name: API_TOKEN_MODEL, schema: ApiTokenSchema }]),
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        throttlers: [{ name: 'per-token', ttl: 60_000, limit: config.rateLimitPerMinute }],
        skipIf: () => config.rateLimitPerMinute === 0,
      }),
    }),
  ],
  controllers: [ApiTokensController],
  providers: [
    ApiTokensRepository,
    ApiTokensService,
    ApiTokensResolver,
    JwtVerifier,
    { provide: APP_GUARD, useClass: TokenThrottlerGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
  exports: [ApiTokensService],
})
export class AuthModule {}
