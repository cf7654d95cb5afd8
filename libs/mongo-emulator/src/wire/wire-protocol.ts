import { deserialize, serialize } from 'bson';
import type { Document } from '../storage/bson-values';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;

export const MSG_CHECKSUM_PRESENT = 1 << 0;
export const MSG_MORE_TO_COME = 1 << 1;
export const MSG_EXHAUST_ALLOWED = 1 << 16;

const HEADER_SIZE = 16;

/** A decoded client request: the command document and how to answer it. */
export interface WireRequest {
  requestId: number;
  opCode: typeof OP_MSG | typeof OP_QUERY;
  command: Document;
  /** The client accepts a stream of replies (awaitable hello). */
  exhaustAllowed: boolean;
  /** The client expects no reply (OP_MSG moreToCome, e.g. unacknowledged writes). */
  moreToCome: boolean;
}

const DESERIALIZE_OPTIONS = {
  promoteLongs: true,
  promoteValues: true,
  promoteBuffers: false,
  bsonRegExp: false,
};

export class WireProtocolError extends Error {}

/** mongod's maxMessageSizeBytes: a longer message closes the connection. */
export const MAX_MESSAGE_SIZE_BYTES = 48_000_000;
/** The smallest BSON document: int32 length + terminating zero. */
const MIN_BSON_SIZE = 5;

/**
 * Reads one BSON document at `offset` that must end at or before `limit`. Every length comes
 * from the peer, so each is checked before use: a decoder that trusts one can walk backwards
 * (negative sizes) and never finish.
 */
function readDocument(message: Buffer, offset: number, limit: number, what: string): Document {
  if (offset + 4 > limit) throw new WireProtocolError(`${what}: truncated document length`);
  const size = message.readInt32LE(offset);
  if (size < MIN_BSON_SIZE || offset + size > limit) {
    throw new WireProtocolError(`${what}: invalid document length ${size}`);
  }
  try {
    return deserialize(message.subarray(offset, offset + size), DESERIALIZE_OPTIONS);
  } catch (error) {
    throw new WireProtocolError(`${what}: invalid BSON (${(error as Error).message})`);
  }
}

/** Decodes one complete message (header included). */
export function decodeMessage(message: Buffer): WireRequest {
  if (message.length < HEADER_SIZE || message.readInt32LE(0) !== message.length) {
    throw new WireProtocolError('message length does not match its header');
  }
  const requestId = message.readInt32LE(4);
  const opCode = message.readInt32LE(12);
  if (opCode === OP_MSG) return decodeOpMsg(message, requestId);
  if (opCode === OP_QUERY) return decodeOpQuery(message, requestId);
  throw new WireProtocolError(`unsupported opCode ${opCode}`);
}

function decodeOpMsg(message: Buffer, requestId: number): WireRequest {
  if (message.length < HEADER_SIZE + 4) throw new WireProtocolError('OP_MSG without flag bits');
  const flags = message.readUInt32LE(HEADER_SIZE);
  const end = flags & MSG_CHECKSUM_PRESENT ? message.length - 4 : message.length;
  let offset = HEADER_SIZE + 4;
  let command: Document | undefined;
  const sequences: [string, Document[]][] = [];
  while (offset < end) {
    const kind = message[offset];
    offset += 1;
    if (kind === 0) {
      if (command) throw new WireProtocolError('OP_MSG with more than one body section');
      command = readDocument(message, offset, end, 'OP_MSG body');
      offset += message.readInt32LE(offset);
    } else if (kind === 1) {
      if (offset + 4 > end) throw new WireProtocolError('OP_MSG sequence: truncated length');
      const size = message.readInt32LE(offset);
      const sectionEnd = offset + size;
      if (size < 5 || sectionEnd > end) {
        throw new WireProtocolError(`OP_MSG sequence: invalid section length ${size}`);
      }
      const nameEnd = message.indexOf(0, offset + 4);
      if (nameEnd < 0 || nameEnd >= sectionEnd) {
        throw new WireProtocolError('OP_MSG sequence: unterminated identifier');
      }
      const identifier = message.toString('utf8', offset + 4, nameEnd);
      let cursor = nameEnd + 1;
      const docs: Document[] = [];
      while (cursor < sectionEnd) {
        docs.push(readDocument(message, cursor, sectionEnd, `OP_MSG sequence '${identifier}'`));
        cursor += message.readInt32LE(cursor);
      }
      sequences.push([identifier, docs]);
      offset = sectionEnd;
    } else {
      throw new WireProtocolError(`unknown OP_MSG section kind ${kind}`);
    }
  }
  if (!command) throw new WireProtocolError('OP_MSG without a body section');
  for (const [identifier, docs] of sequences) command[identifier] = docs;
  return {
    requestId,
    opCode: OP_MSG,
    command,
    exhaustAllowed: (flags & MSG_EXHAUST_ALLOWED) !== 0,
    moreToCome: (flags & MSG_MORE_TO_COME) !== 0,
  };
}

function decodeOpQuery(message: Buffer, requestId: number): WireRequest {
  const nsStart = HEADER_SIZE + 4;
  const nsEnd = message.indexOf(0, nsStart);
  if (nsEnd < 0) throw new WireProtocolError('OP_QUERY: unterminated namespace');
  const ns = message.toString('utf8', nsStart, nsEnd);
  const offset = nsEnd + 1 + 8; // numberToSkip, numberToReturn
  let query = readDocument(message, offset, message.length, 'OP_QUERY query');
  // Legacy drivers wrap commands with read preferences as {$query: {...}, $readPreference}.
  if (query.$query !== undefined && query.$query !== null && typeof query.$query === 'object')
    query = query.$query as Document;
  const db = ns.endsWith('.$cmd') ? ns.slice(0, -5) : ns.split('.')[0];
  return {
    requestId,
    opCode: OP_QUERY,
    command: { ...query, $db: db },
    exhaustAllowed: false,
    moreToCome: false,
  };
}

function header(length: number, requestId: number, responseTo: number, opCode: number): Buffer {
  const buffer = Buffer.allocUnsafe(HEADER_SIZE);
  buffer.writeInt32LE(length, 0);
  buffer.writeInt32LE(requestId, 4);
  buffer.writeInt32LE(responseTo, 8);
  buffer.writeInt32LE(opCode, 12);
  return buffer;
}

export function encodeOpMsg(
  reply: Document,
  requestId: number,
  responseTo: number,
  moreToCome = false,
): Buffer[] {
  const body = Buffer.from(serialize(reply, { ignoreUndefined: true }));
  const prefix = Buffer.allocUnsafe(5);
  prefix.writeUInt32LE(moreToCome ? MSG_MORE_TO_COME : 0, 0);
  prefix[4] = 0;
  return [header(HEADER_SIZE + 5 + body.length, requestId, responseTo, OP_MSG), prefix, body];
}

export function encodeOpReply(reply: Document, requestId: number, responseTo: number): Buffer[] {
  const body = Buffer.from(serialize(reply, { ignoreUndefined: true }));
  const fields = Buffer.alloc(20);
  fields.writeInt32LE(8, 0); // AwaitCapable
  // cursorID (8 bytes), startingFrom (4 bytes) stay zero
  fields.writeInt32LE(1, 16); // numberReturned
  return [header(HEADER_SIZE + 20 + body.length, requestId, responseTo, OP_REPLY), fields, body];
}

/**
 * Splits a byte stream into complete wire messages. It holds at most one message in progress
 * (a declared length over MAX_MESSAGE_SIZE_BYTES is refused before any of it is buffered).
 */
export class MessageFramer {
  private chunks: Buffer[] = [];
  private buffered = 0;

  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const messages: Buffer[] = [];
    for (;;) {
      if (this.buffered < 4) break;
      const head = this.chunks[0].length >= 4 ? this.chunks[0] : this.flatten();
      const length = head.readInt32LE(0);
      if (length < HEADER_SIZE || length > MAX_MESSAGE_SIZE_BYTES) {
        throw new WireProtocolError(`invalid message length ${length}`);
      }
      if (this.buffered < length) break;
      const all = this.flatten();
      messages.push(all.subarray(0, length));
      const rest = all.subarray(length);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
    }
    return messages;
  }

  private flatten(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0];
  }
}
