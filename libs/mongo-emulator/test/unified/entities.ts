// The entity map of one unified test: clients (with the command and CMAP events they observe),
// databases, collections, sessions, change streams and saved results.
import {
  BSON,
  ChangeStream,
  ClientSession,
  Collection,
  Db,
  MongoClient,
  type CommandFailedEvent,
  type CommandStartedEvent,
  type CommandSucceededEvent,
  type Document,
  type MongoClientOptions,
} from 'mongodb';

export interface ObservedEvent {
  kind: 'command' | 'cmap';
  type: string;
  commandName?: string;
  databaseName?: string;
  command?: Document;
  reply?: Document;
}

/** Commands whose events the runner hides unless `observeSensitiveCommands` is set. */
const SENSITIVE_COMMANDS = new Set([
  'authenticate',
  'saslstart',
  'saslcontinue',
  'getnonce',
  'createuser',
  'updateuser',
  'copydbgetnonce',
  'copydbsaslstart',
  'copydb',
]);

/** A command or reply as it travels on the wire (driver option objects become plain documents). */
function asOnTheWire(document: Document): Document {
  return BSON.deserialize(BSON.serialize(document, { ignoreUndefined: true }));
}

const CMAP_EVENTS = [
  'poolCreatedEvent',
  'poolReadyEvent',
  'poolClearedEvent',
  'poolClosedEvent',
  'connectionCreatedEvent',
  'connectionReadyEvent',
  'connectionClosedEvent',
  'connectionCheckOutStartedEvent',
  'connectionCheckOutFailedEvent',
  'connectionCheckedOutEvent',
  'connectionCheckedInEvent',
];

export class ClientEntity {
  readonly events: ObservedEvent[] = [];

  constructor(
    readonly client: MongoClient,
    observe: string[],
    ignore: string[],
    observeSensitive: boolean,
  ) {
    const wanted = new Set(observe);
    const ignored = new Set(['configurefailpoint', ...ignore.map((name) => name.toLowerCase())]);
    const hidden = (name: string, command?: Document): boolean => {
      const key = name.toLowerCase();
      if (ignored.has(key)) return true;
      if (observeSensitive) return false;
      if (SENSITIVE_COMMANDS.has(key)) return true;
      // hello/isMaster are sensitive when they carry speculativeAuthenticate; their events are
      // redacted by the driver (an empty command) in that case.
      return (
        (key === 'hello' || key === 'ismaster') &&
        (command === undefined ||
          Object.keys(command).length === 0 ||
          'speculativeAuthenticate' in command)
      );
    };
    if (wanted.has('commandStartedEvent')) {
      client.on('commandStarted', (event: CommandStartedEvent) => {
        if (hidden(event.commandName, event.command)) return;
        this.events.push({
          kind: 'command',
          type: 'commandStartedEvent',
          commandName: event.commandName,
          databaseName: event.databaseName,
          command: asOnTheWire(event.command),
        });
      });
    }
    if (wanted.has('commandSucceededEvent')) {
      client.on('commandSucceeded', (event: CommandSucceededEvent) => {
        if (hidden(event.commandName)) return;
        this.events.push({
          kind: 'command',
          type: 'commandSucceededEvent',
          commandName: event.commandName,
          databaseName: event.databaseName,
          reply: asOnTheWire(event.reply as Document),
        });
      });
    }
    if (wanted.has('commandFailedEvent')) {
      client.on('commandFailed', (event: CommandFailedEvent) => {
        if (hidden(event.commandName)) return;
        this.events.push({
          kind: 'command',
          type: 'commandFailedEvent',
          commandName: event.commandName,
          databaseName: event.databaseName,
        });
      });
    }
    for (const name of CMAP_EVENTS) {
      if (!wanted.has(name)) continue;
      const driverEvent = name.charAt(0).toLowerCase() + name.slice(1, -'Event'.length);
      const emitted = driverEvent.startsWith('pool')
        ? `connectionPool${driverEvent.slice('pool'.length)}`
        : driverEvent;
      client.on(emitted as 'connectionCheckOutStarted', () => {
        this.events.push({ kind: 'cmap', type: name });
      });
    }
  }
}

/** Clients, databases, collections, sessions, change streams and saved results. */
export type Entity = unknown;

export class EntityMap {
  private readonly entities = new Map<string, Entity>();
  private readonly lsids = new Map<string, Document>();

  set(id: string, value: Entity): void {
    if (this.entities.has(id)) throw new Error(`entity '${id}' already exists`);
    this.entities.set(id, value);
  }

  has(id: string): boolean {
    return this.entities.has(id);
  }

  get(id: string): Entity {
    if (!this.entities.has(id)) throw new Error(`no entity '${id}'`);
    return this.entities.get(id);
  }

  client(id: string): ClientEntity {
    const value = this.get(id);
    if (!(value instanceof ClientEntity)) throw new Error(`entity '${id}' is not a client`);
    return value;
  }

  database(id: string): Db {
    const value = this.get(id);
    if (!(value instanceof Db)) throw new Error(`entity '${id}' is not a database`);
    return value;
  }

  collection(id: string): Collection {
    const value = this.get(id);
    if (!(value instanceof Collection)) throw new Error(`entity '${id}' is not a collection`);
    return value;
  }

  session(id: string): ClientSession {
    const value = this.get(id);
    if (!(value instanceof ClientSession)) throw new Error(`entity '${id}' is not a session`);
    return value;
  }

  changeStream(id: string): ChangeStream {
    const value = this.get(id);
    if (!(value instanceof ChangeStream)) throw new Error(`entity '${id}' is not a change stream`);
    return value;
  }

  setSession(id: string, session: ClientSession): void {
    this.set(id, session);
    this.lsids.set(id, session.id as Document);
  }

  /** The lsid a session had when it was created (it stays valid after endSession). */
  sessionLsid(id: string): Document {
    const lsid = this.lsids.get(id);
    if (!lsid) throw new Error(`no session '${id}'`);
    return lsid;
  }

  all(): Entity[] {
    return [...this.entities.values()];
  }

  clients(): ClientEntity[] {
    return this.all().filter((value): value is ClientEntity => value instanceof ClientEntity);
  }
}

/** readConcern/writeConcern/readPreference/timeoutMS options of the test format, as driver options. */
export function collectionLikeOptions(options: Document | undefined): Document {
  const result: Document = {};
  if (!options) return result;
  for (const key of [
    'readConcern',
    'writeConcern',
    'readPreference',
    'timeoutMS',
    'maxCommitTimeMS',
  ]) {
    if (options[key] !== undefined) result[key] = options[key];
  }
  return result;
}

export type ClientFactory = (uriOptions: Document, options: MongoClientOptions) => MongoClient;
