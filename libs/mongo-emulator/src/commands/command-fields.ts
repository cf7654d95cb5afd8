import { ErrorCode, MongoCommandError } from '../errors';
import type { Document } from '../storage/bson-values';

/** Arguments every command accepts (mongod 7.0's generic_argument.idl, plus $db). */
const GENERIC_ARGUMENTS = [
  '$db',
  'apiVersion',
  'apiStrict',
  'apiDeprecationErrors',
  'maxTimeMS',
  'readConcern',
  'writeConcern',
  'lsid',
  'clientOperationKey',
  'txnNumber',
  'autocommit',
  'startTransaction',
  'stmtId',
  'comment',
  '$readPreference',
  '$clusterTime',
  '$audit',
  '$client',
  '$configServerState',
  'allowImplicitCollectionCreation',
  '$oplogQueryData',
  '$queryOptions',
  '$replData',
  'databaseVersion',
  'shardVersion',
  'tracking_info',
  'coordinator',
  'maxTimeMSOpOnly',
  '$configTime',
  '$topologyTime',
  'txnRetryCounter',
  'mayBypassWriteBlocking',
  'usesDefaultMaxTimeMS',
  'recoveryToken',
  '$traceCtx',
  'help',
];

/** The fields of the CRUD commands in MongoDB 7.0 (their IDL), besides the generic ones. */
const COMMAND_FIELDS: Record<string, string[]> = {
  find: [
    'filter',
    'projection',
    'sort',
    'hint',
    'skip',
    'limit',
    'batchSize',
    'singleBatch',
    'max',
    'min',
    'returnKey',
    'showRecordId',
    'tailable',
    'oplogReplay',
    'noCursorTimeout',
    'awaitData',
    'allowPartialResults',
    'collation',
    'allowDiskUse',
    'let',
    'readOnce',
    'allowSpeculativeMajorityRead',
    '$_requestResumeToken',
    '$_resumeAfter',
    '$_startAt',
    'term',
    'ntoreturn',
    'isTimeseriesNamespace',
    'encryptionInformation',
    'includeQueryStatsMetrics',
  ],
  insert: [
    'documents',
    'ordered',
    'bypassDocumentValidation',
    'collectionUUID',
    'isTimeseriesNamespace',
    'encryptionInformation',
  ],
  update: [
    'updates',
    'ordered',
    'bypassDocumentValidation',
    'let',
    'collectionUUID',
    'isTimeseriesNamespace',
    'encryptionInformation',
  ],
  delete: [
    'deletes',
    'ordered',
    'bypassDocumentValidation',
    'let',
    'collectionUUID',
    'isTimeseriesNamespace',
    'encryptionInformation',
  ],
  findandmodify: [
    'query',
    'fields',
    'sort',
    'hint',
    'collation',
    'arrayFilters',
    'remove',
    'update',
    'new',
    'upsert',
    'bypassDocumentValidation',
    'let',
    'isTimeseriesNamespace',
    'encryptionInformation',
  ],
  aggregate: [
    'pipeline',
    'explain',
    'allowDiskUse',
    'cursor',
    'bypassDocumentValidation',
    'collation',
    'hint',
    'needsMerge',
    'fromMongos',
    'collectionUUID',
    'exchange',
    'runtimeConstants',
    'let',
    'isMapReduceCommand',
    'encryptionInformation',
    '$_requestReshardingResumeToken',
    '$_generateV2ResumeTokens',
    '$_passthroughToShard',
    'includeQueryStatsMetrics',
  ],
  count: [
    'query',
    'limit',
    'skip',
    'hint',
    'collation',
    'fields',
    'encryptionInformation',
    'mirrored',
    'sampleId',
  ],
  distinct: ['key', 'query', 'collation', 'encryptionInformation', 'mirrored', 'sampleId'],
};

const KNOWN: Record<string, ReadonlySet<string>> = Object.fromEntries(
  Object.entries(COMMAND_FIELDS).map(([name, fields]) => [
    name,
    new Set([...GENERIC_ARGUMENTS, ...fields]),
  ]),
);

/**
 * mongod parses commands strictly: a field its IDL does not know fails the command with 40415
 * ("BSON field 'find.foo' is an unknown field."). Checked for the CRUD commands, so an option
 * the emulator would otherwise ignore cannot make a test pass here and fail on mongod.
 */
export function assertKnownCommandFields(key: string, name: string, command: Document): void {
  const known = KNOWN[key];
  if (!known) return;
  const fields = Object.keys(command);
  for (let i = 1; i < fields.length; i += 1) {
    if (!known.has(fields[i])) {
      throw new MongoCommandError(
        ErrorCode.Location40415,
        `BSON field '${name}.${fields[i]}' is an unknown field.`,
      );
    }
  }
}
