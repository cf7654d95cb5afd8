import { Query, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, RequireRole } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { HandlerInfoView } from './dto/handler-info.model';
import { HandlersService } from './handlers.service';

@RequireRole('viewer')
@Resolver(() => HandlerInfoView)
export class HandlersResolver {
  constructor(private readonly handlersService: HandlersService) {}

  @Query(() => [HandlerInfoView], {
    description: 'Handler names across live instances, and the built-ins',
  })
  handlers(@CurrentPrincipal() caller: Principal): Promise<HandlerInfoView[]> {
    return this.handlersService.list(caller);
  }
}
