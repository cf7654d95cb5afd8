import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiTokensService } from './api-tokens.service';
import { CurrentPrincipal, RequireRole } from './auth.decorators';
import { CreateApiTokenInput } from './dto/create-api-token.input';
import { ApiTokenView, CreatedApiTokenView } from './dto/api-token.model';
import type { Principal } from './principal';

/** REST adapter of API token management (admin only). */
@ApiTags('tokens')
@ApiBearerAuth()
@RequireRole('admin')
@Controller('tokens')
export class ApiTokensController {
  constructor(private readonly tokens: ApiTokensService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API token; the answer is the only time it is shown' })
  @ApiCreatedResponse({ type: CreatedApiTokenView })
  create(
    @Body() input: CreateApiTokenInput,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CreatedApiTokenView> {
    return this.tokens.create(input, principal);
  }

  @Get()
  @ApiOperation({ summary: 'List API tokens (never the tokens themselves), newest first' })
  @ApiOkResponse({ type: [ApiTokenView] })
  list(@CurrentPrincipal() principal: Principal): Promise<ApiTokenView[]> {
    return this.tokens.list(principal);
  }

  @Post(':id/revoke')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Revoke an API token: it stops working at once' })
  @ApiOkResponse({ type: ApiTokenView })
  revoke(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<ApiTokenView> {
    return this.tokens.revoke(id, principal);
  }
}
