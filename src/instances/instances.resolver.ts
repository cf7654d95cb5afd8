import { Query, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, RequireRole } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { InstanceView } from './dto/instance.model';
import { InstancesService } from './instances.service';

@RequireRole('viewer')
@Resolver(() => InstanceView)
export class InstancesResolver {
  constructor(private readonly instancesService: InstancesService) {}

  @Query(() => [InstanceView], { description: 'Processes running the relay runtime' })
  instances(@CurrentPrincipal() caller: Principal): Promise<InstanceView[]> {
    return this.instancesService.list(caller);
  }
}
