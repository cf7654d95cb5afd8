// MongoDB's own fault injection: `configureFailPoint: 'failCommand'`, exactly as sent to a real
// mongod started with enableTestCommands. `appName` scopes a fail point to the clients that
// carry that application name, so parallel spec files on a shared server never trip each other.
import type { Document, MongoClient } from 'mongodb';

export type FailPointMode = 'alwaysOn' | 'off' | { times: number };

export interface FailCommandData {
  failCommands: string[];
  appName?: string;
  errorCode?: number;
  errorLabels?: string[];
  closeConnection?: boolean;
  blockConnection?: boolean;
  blockTimeMS?: number;
}

export async function configureFailCommand(
  client: MongoClient,
  mode: FailPointMode,
  data?: FailCommandData,
): Promise<Document> {
  return client.db('admin').command({
    configureFailPoint: 'failCommand',
    mode,
    ...(data ? { data } : {}),
  });
}

export async function disableFailCommand(client: MongoClient): Promise<Document> {
  return configureFailCommand(client, 'off');
}
