// A transparent TCP relay between the driver and the server that records the opcode of every
// wire-protocol message in both directions. It never alters a byte: it only lets a test see
// which message kinds (OP_QUERY/OP_REPLY for the legacy handshake, OP_MSG otherwise) the
// official driver and the server actually exchanged.
import {
  createConnection,
  createServer,
  type AddressInfo,
  type Server,
  type Socket,
} from 'node:net';
import { BSON, type Document } from 'mongodb';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;

export interface RecordedMessage {
  /** Index of the client connection (0 = first one the driver opened). */
  connection: number;
  direction: 'request' | 'reply';
  opCode: number;
  requestId: number;
  responseTo: number;
  /** OP_QUERY: the full collection name (`admin.$cmd` for commands). */
  fullCollectionName?: string;
  /** OP_REPLY: numberReturned. */
  numberReturned?: number;
  /** The first (command or reply) document of the message, when it has one. */
  document?: Document;
}

type DecodedMessage = Omit<RecordedMessage, 'connection' | 'direction'>;

const HEADER_BYTES = 16;

/** Splits a byte stream into wire messages using the length prefix of the standard header. */
class MessageFramer {
  private pending = Buffer.alloc(0);

  constructor(private readonly onMessage: (message: DecodedMessage) => void) {}

  push(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= HEADER_BYTES) {
      const length = this.pending.readInt32LE(0);
      if (length < HEADER_BYTES || this.pending.length < length) {
        return;
      }
      this.onMessage(decode(this.pending.subarray(0, length)));
      this.pending = this.pending.subarray(length);
    }
  }
}

function bsonAt(message: Buffer, offset: number): Document {
  const size = message.readInt32LE(offset);
  return BSON.deserialize(message.subarray(offset, offset + size));
}

/** Decodes the standard header plus the first document of OP_QUERY, OP_REPLY and OP_MSG. */
function decode(message: Buffer): DecodedMessage {
  const decoded: DecodedMessage = {
    requestId: message.readInt32LE(4),
    responseTo: message.readInt32LE(8),
    opCode: message.readInt32LE(12),
  };
  if (decoded.opCode === OP_QUERY) {
    // flags(4) fullCollectionName(cstring) numberToSkip(4) numberToReturn(4) query
    const nameEnd = message.indexOf(0, HEADER_BYTES + 4);
    decoded.fullCollectionName = message.toString('utf8', HEADER_BYTES + 4, nameEnd);
    decoded.document = bsonAt(message, nameEnd + 1 + 8);
  } else if (decoded.opCode === OP_REPLY) {
    // responseFlags(4) cursorID(8) startingFrom(4) numberReturned(4) documents
    decoded.numberReturned = message.readInt32LE(HEADER_BYTES + 16);
    if (decoded.numberReturned > 0) {
      decoded.document = bsonAt(message, HEADER_BYTES + 20);
    }
  } else if (decoded.opCode === OP_MSG && message[HEADER_BYTES + 4] === 0) {
    // flagBits(4) then sections; kind 0 is the command body
    decoded.document = bsonAt(message, HEADER_BYTES + 5);
  }
  return decoded;
}

export class WireRecorder {
  readonly messages: RecordedMessage[] = [];
  private readonly sockets = new Set<Socket>();
  private connections = 0;

  private constructor(
    private readonly server: Server,
    private readonly target: { host: string; port: number },
  ) {}

  /** Starts relaying 127.0.0.1:<ephemeral port> to `targetHostPort` (host:port). */
  static async start(targetHostPort: string): Promise<WireRecorder> {
    const separator = targetHostPort.lastIndexOf(':');
    const target = {
      host: targetHostPort.slice(0, separator).replace(/^\[|\]$/g, ''),
      port: Number(targetHostPort.slice(separator + 1)),
    };
    const server = createServer();
    const recorder = new WireRecorder(server, target);
    server.on('connection', (socket) => recorder.relay(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return recorder;
  }

  get hostPort(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Messages of one client connection, in the order they crossed the relay. */
  connectionMessages(connection: number): RecordedMessage[] {
    return this.messages.filter((message) => message.connection === connection);
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: Socket): void {
    const connection = this.connections++;
    const upstream = createConnection(this.target);
    this.sockets.add(client);
    this.sockets.add(upstream);
    const record = (direction: RecordedMessage['direction']) =>
      new MessageFramer((message) => this.messages.push({ connection, direction, ...message }));
    const requests = record('request');
    const replies = record('reply');
    client.on('data', (chunk: Buffer) => {
      requests.push(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      replies.push(chunk);
      client.write(chunk);
    });
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
    client.on('error', closeBoth);
    upstream.on('error', closeBoth);
  }
}
