import { Int, ObjectType } from '@nestjs/graphql';
import { GraphQLJSON } from '../../subscriptions/dto/json.scalar';
import { OutputField } from '../../subscriptions/dto/output-field.decorator';

@ObjectType({ description: 'What one SQL statement returned' })
export class SqlResultView {
  @OutputField(() => String, {
    description:
      'select, create_subscription, alter_subscription, drop_subscription, pause_subscription, resume_subscription, reset_subscription, show_create, show_subscriptions, create_view, drop_view, show_views',
  })
  kind: string;

  @OutputField(() => [String], { description: 'Column names, in row order' })
  columns: string[];

  @OutputField(() => GraphQLJSON, {
    description: 'Rows: one array of values per row, in the order of columns',
    swagger: { type: 'array', items: { type: 'array', items: {} } },
  })
  rows: unknown[][];

  @OutputField(() => Int, { description: 'Subscriptions or views written (0 for reads)' })
  affected: number;

  @OutputField(() => [String], {
    description: 'What the caller should know (defaults applied, values ignored, a cut result)',
  })
  notices: string[];
}
