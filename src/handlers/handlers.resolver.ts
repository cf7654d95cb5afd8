import { Query, Resolver } from '@nestjs/graphql';
import { HandlerInfoView } from './dto/handler-info.model';
import { HandlersService } from './handlers.service';

@Resolver(() => HandlerInfoView)
export class HandlersResolver {
  constructor(private readonly handlersService: HandlersService) {}

  @Query(() => [HandlerInfoView], {
    description: 'Handler names across live instances, and the built-ins',
  })
  handlers(): Promise<HandlerInfoView[]> {
    return this.handlersService.list();
  }
}
