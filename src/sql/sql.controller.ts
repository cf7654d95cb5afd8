import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, RequireRole } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { SqlResultView } from './dto/sql-result.model';
import { SqlInput } from './dto/sql.input';
import { SqlService } from './sql.service';

/**
 * REST adapter of the SQL interface. Reading needs viewer; each statement then needs the role of
 * its REST twin (checked by the service, statement by statement).
 */
@ApiTags('sql')
@ApiBearerAuth()
@Controller('sql')
export class SqlController {
  constructor(private readonly sql: SqlService) {}

  @Post()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Run SQL statements; one result per statement' })
  @ApiOkResponse({ type: [SqlResultView] })
  @ApiBadRequestResponse({
    description: 'Syntax error, unknown table, column or option: the message names line and column',
  })
  @RequireRole('viewer')
  run(@Body() input: SqlInput, @CurrentPrincipal() caller: Principal): Promise<SqlResultView[]> {
    return this.sql.run(input.sql, input.params ?? {}, caller);
  }
}
