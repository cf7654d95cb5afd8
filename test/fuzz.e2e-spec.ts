import { GraphQLSchemaHost } from '@nestjs/graphql';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
} from 'graphql';
import request from 'supertest';
import { asAdmin } from '@app/testing';
import { crash, startRelay, type RelayServer } from './support/relay-server';

/**
 * Fuzzing the admin API with hostile values, REST operations generated from the OpenAPI
 * document and GraphQL operations from the schema: every answer must be a 2xx-4xx within the
 * per-request deadline (no 5xx, no hang), and the server must stay live. Bounded: a few thousand
 * requests, a handful at a time.
 */
const PER_REQUEST_MS = 5_000;
const CONCURRENCY = 8;

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) {
    value = { a: value };
  }
  return value;
}

const HOSTILE_VALUES: unknown[] = [
  null,
  '',
  ' ',
  'x'.repeat(20_000),
  -1,
  0,
  1.5,
  1e308,
  2 ** 64,
  true,
  [],
  {},
  [[[[[]]]]],
  '\u0000',
  '\ud800',
  '../../etc/passwd',
  '%00%2e%2e',
  '$where',
  { $where: 'sleep(1000)' },
  { $date: 'not a date' },
  { $oid: 'zz' },
  { $numberLong: '1e400' },
  { $numberDecimal: 'NaNx' },
  { $binary: { base64: '%%', subType: 'zz' } },
  { $timestamp: { t: -1, i: 'x' } },
  { $regularExpression: { pattern: '(', options: 'q' } },
  JSON.parse('{"__proto__": {"polluted": true}}'),
  { constructor: { prototype: { polluted: true } } },
  'http://169.254.169.254/latest/meta-data/',
  'http://user:pass@[::1]:22/?token=x',
  nested(100),
  [{ $match: { a: { $date: 'not a date' } } }],
  [{ $match: { a: { $oid: 'zz' } } }],
  [{ $match: { a: { $numberDecimal: 'x' } } }],
  [{ $match: { a: { $binary: { base64: '%%', subType: 'zz' } } } }],
  [{ $match: { a: { $numberLong: '99999999999999999999' } } }],
  [{ $project: { _id: '$x' } }],
  [JSON.parse('{"$match": {"__proto__": {"a": 1}}}')],
  '2025-13-45T99:99:99Z',
];

const HOSTILE_PATH_SEGMENTS = [
  'x'.repeat(5_000),
  '%00',
  '%E0%A4%A',
  '..%2F..%2Fetc',
  '__proto__',
  'constructor',
  '%24where',
  "'%20OR%201%3D1",
  '%F0%9F%92%A9',
];

interface Outcome {
  label: string;
  status: number | 'timeout' | 'error';
}

type OpenApiSchema = {
  $ref?: string;
  type?: string;
  properties?: Record<string, OpenApiSchema>;
  required?: string[];
  items?: OpenApiSchema;
  enum?: unknown[];
  example?: unknown;
  default?: unknown;
  minimum?: number;
  allOf?: OpenApiSchema[];
};

interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { name: string; in: string }[];
        requestBody?: { content: Record<string, { schema: OpenApiSchema }> };
      }
    >
  >;
  components: { schemas: Record<string, OpenApiSchema> };
}

describe('Fuzzing REST and GraphQL with hostile input', () => {
  let server: RelayServer;
  const outcomes: Outcome[] = [];

  beforeAll(async () => {
    server = await startRelay();
  });

  afterAll(async () => {
    await crash(server);
  });

  async function run(
    label: string,
    send: () => request.Test | Promise<request.Response>,
  ): Promise<void> {
    try {
      const sent = send();
      const response = await ('timeout' in sent ? sent.timeout(PER_REQUEST_MS) : sent);
      outcomes.push({ label, status: response.status });
    } catch (error) {
      const timedOut = (error as { timeout?: unknown }).timeout !== undefined;
      outcomes.push({ label, status: timedOut ? 'timeout' : 'error' });
    }
  }

  async function inBatches(jobs: (() => Promise<void>)[]): Promise<void> {
    for (let i = 0; i < jobs.length; i += CONCURRENCY) {
      await Promise.all(jobs.slice(i, i + CONCURRENCY).map((job) => job()));
    }
  }

  it('answers every generated REST request with a 2xx-4xx, in time', async () => {
    const { body } = await asAdmin(server.app).get('/api/docs-json').expect(200);
    const document = body as OpenApiDocument;
    const resolve = (schema: OpenApiSchema): OpenApiSchema => {
      if (schema.$ref) {
        return resolve(document.components.schemas[schema.$ref.split('/').pop() ?? '']);
      }
      if (schema.allOf?.length) {
        return resolve(schema.allOf[0]);
      }
      return schema;
    };
    const sample = (raw: OpenApiSchema, depth = 0): unknown => {
      const schema = resolve(raw);
      if (schema.example !== undefined) {
        return schema.example;
      }
      if (schema.enum?.length) {
        return schema.enum[0];
      }
      switch (schema.type ?? 'object') {
        case 'string':
          return 'fuzz-value';
        case 'integer':
        case 'number':
          return schema.minimum ?? 1;
        case 'boolean':
          return true;
        case 'array':
          return [];
        default:
          return depth > 4
            ? {}
            : Object.fromEntries(
                (schema.required ?? []).map((name) => [
                  name,
                  sample(schema.properties?.[name] ?? {}, depth + 1),
                ]),
              );
      }
    };
    /** Every property path of a body schema, two levels deep. */
    const paths = (raw: OpenApiSchema, prefix: string[] = [], depth = 0): string[][] => {
      const schema = resolve(raw);
      return Object.entries(schema.properties ?? {}).flatMap(([name, child]) => {
        const here = [...prefix, name];
        return depth < 2 ? [here, ...paths(child, here, depth + 1)] : [here];
      });
    };
    const withValue = (base: unknown, path: string[], value: unknown): unknown => {
      const copy = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
      let cursor = copy;
      for (const key of path.slice(0, -1)) {
        if (typeof cursor[key] !== 'object' || cursor[key] === null) {
          cursor[key] = {};
        }
        cursor = cursor[key] as Record<string, unknown>;
      }
      cursor[path[path.length - 1]] = value;
      return copy;
    };

    const jobs: (() => Promise<void>)[] = [];
    let operations = 0;
    for (const [template, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        operations++;
        const call = (path: string) =>
          (asAdmin(server.app) as unknown as Record<string, (url: string) => request.Test>)[method](
            path,
          );
        const concrete = template.replace(/\{[^}]+\}/g, 'fuzz-target');
        for (const segment of template.includes('{') ? HOSTILE_PATH_SEGMENTS : []) {
          const path = template.replace(/\{[^}]+\}/g, segment);
          jobs.push(() => run(`${method} ${path.slice(0, 60)}`, () => call(path)));
        }
        for (const parameter of (operation.parameters ?? []).filter((p) => p.in === 'query')) {
          for (const value of HOSTILE_VALUES) {
            const query = `${parameter.name}=${encodeURIComponent(JSON.stringify(value) ?? '')}`;
            jobs.push(() =>
              run(`${method} ${template}?${parameter.name}`, () => call(`${concrete}?${query}`)),
            );
          }
        }
        const schema = operation.requestBody?.content['application/json']?.schema;
        if (schema) {
          const base = sample(schema);
          for (const path of paths(schema)) {
            for (const value of HOSTILE_VALUES) {
              const body = withValue(base, path, value);
              jobs.push(() =>
                run(`${method} ${template} ${path.join('.')}`, () =>
                  call(concrete).send(body as object),
                ),
              );
            }
          }
        }
        for (const [type, raw] of [
          ['application/json', '{"name": '],
          ['application/json', '['.repeat(20_000)],
          ['application/json', `{"name":"${'x'.repeat(2 * 1024 * 1024)}"}`],
          ['application/json; charset=utf-16', '{}'],
          ['application/x-www-form-urlencoded', 'name=a&source[database]=b'],
          ['text/plain', '{}'],
        ] as const) {
          jobs.push(() =>
            run(`${method} ${template} raw ${type}`, () =>
              call(concrete).set('content-type', type).send(raw),
            ),
          );
        }
      }
    }
    expect(operations).toBeGreaterThan(10);
    await inBatches(jobs);
    const rest = outcomes.filter((o) => !o.label.startsWith('graphql'));
    const failures = rest.filter((o) => typeof o.status !== 'number' || o.status >= 500);
    process.stdout.write(
      `fuzz REST: ${rest.length} requests over ${operations} operations, ${failures.length} 5xx or hung\n`,
    );
    expect(failures).toEqual([]);
    await request(server.app.getHttpServer()).get('/health/live').expect(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 120_000);

  it('answers every generated GraphQL operation without a 5xx or an internal error', async () => {
    const schema = server.app.get(GraphQLSchemaHost).schema;
    const sampleInput = (type: GraphQLInputType, depth = 0): unknown => {
      if (isNonNullType(type)) {
        return sampleInput(type.ofType, depth);
      }
      if (isListType(type)) {
        return [];
      }
      if (isEnumType(type)) {
        return type.getValues()[0].value;
      }
      if (isInputObjectType(type)) {
        return depth > 4
          ? {}
          : Object.fromEntries(
              Object.values(type.getFields())
                .filter((field) => isNonNullType(field.type))
                .map((field) => [field.name, sampleInput(field.type, depth + 1)]),
            );
      }
      if (isScalarType(type)) {
        return type.name === 'Int' || type.name === 'Float' ? 1 : 'fuzz-value';
      }
      return null;
    };
    const fieldPaths = (type: GraphQLInputType, prefix: string[] = [], depth = 0): string[][] => {
      const named = getNamedType(type);
      if (!isInputObjectType(named) || depth > 2) {
        return [];
      }
      return Object.values(named.getFields()).flatMap((field) => {
        const here = [...prefix, field.name];
        return [here, ...fieldPaths(field.type, here, depth + 1)];
      });
    };
    const jobs: (() => Promise<void>)[] = [];
    const bodies: object[] = [];
    const operationsOf = (kind: 'query' | 'mutation', root: GraphQLObjectType | null | undefined) =>
      Object.values(root?.getFields() ?? {}).map((field) => ({ kind, field }));
    const operations = [
      ...operationsOf('query', schema.getQueryType()),
      ...operationsOf('mutation', schema.getMutationType()),
    ];
    for (const { kind, field } of operations as {
      kind: string;
      field: GraphQLField<unknown, unknown>;
    }[]) {
      const definitions = field.args.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ');
      const passing = field.args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
      const query = `${kind}${definitions ? `(${definitions})` : ''} { ${field.name}${passing ? `(${passing})` : ''} ${
        isScalarType(getNamedType(field.type)) || isEnumType(getNamedType(field.type))
          ? ''
          : '{ __typename }'
      } }`;
      const base = Object.fromEntries(field.args.map((arg) => [arg.name, sampleInput(arg.type)]));
      bodies.push({ query, variables: base });
      for (const arg of field.args) {
        for (const value of HOSTILE_VALUES) {
          bodies.push({ query, variables: { ...base, [arg.name]: value } });
        }
        for (const path of fieldPaths(arg.type)) {
          for (const value of HOSTILE_VALUES) {
            const variables = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
            let cursor = variables[arg.name] as Record<string, unknown>;
            for (const key of path.slice(0, -1)) {
              if (typeof cursor[key] !== 'object' || cursor[key] === null) {
                cursor[key] = {};
              }
              cursor = cursor[key] as Record<string, unknown>;
            }
            cursor[path[path.length - 1]] = value;
            bodies.push({ query, variables });
          }
        }
      }
    }
    const aliases = (n: number) =>
      `{ ${Array.from({ length: n }, (_, i) => `a${i}: handlers { name }`).join(' ')} }`;
    bodies.push(
      { query: aliases(3_500) },
      { query: aliases(50) },
      { query: `{ subscriptions ${'{ source '.repeat(30)}${'}'.repeat(30)} }` },
      { query: '{ subscriptions { name ' },
      { query: 'query { __schema { types { name } } }' },
      { query: '{ subscription(name: "x") { name } }', variables: '[]' },
      { query: 42 },
      { query: 'mutation { pauseSubscription(name: "\\u0000") { name } }' },
      {
        query:
          'mutation { createSubscription(input: { name: "f", source: { database: "admin", pipeline: [{ m: { __proto__: { a: 1 } } }] }, handler: { type: webhook, url: "http://[::1]/" } }) { name } }',
      },
    );
    const internal: string[] = [];
    for (const body of bodies) {
      jobs.push(() =>
        run(`graphql ${JSON.stringify(body).slice(0, 80)}`, async () => {
          const response = await asAdmin(server.app)
            .post('/graphql')
            .send(body)
            .timeout(PER_REQUEST_MS);
          // A 200 may still carry an internal error: the GraphQL face of a 500.
          const errors = (response.body as { errors?: { extensions?: { code?: string } }[] })
            .errors;
          if (errors?.some((error) => error.extensions?.code === 'INTERNAL_SERVER_ERROR')) {
            internal.push(JSON.stringify(body).slice(0, 200));
          }
          return response;
        }),
      );
    }
    const before = outcomes.length;
    await inBatches(jobs);
    const graphql = outcomes.slice(before);
    const failures = graphql.filter((o) => typeof o.status !== 'number' || o.status >= 500);
    process.stdout.write(
      `fuzz GraphQL: ${graphql.length} requests over ${operations.length} operations, ${failures.length} 5xx or hung, ${internal.length} internal errors\n`,
    );
    expect(failures).toEqual([]);
    expect(internal).toEqual([]);
    await request(server.app.getHttpServer()).get('/health/live').expect(200);
  }, 120_000);
});
