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

/** Decodes one complete message (header included). */
export function decodeMessage(message: Buffer): WireRequest {
  const requestId = message.readInt32LE(4);
  const opCode = message.readInt32LE(12);
  if (opCode === OP_MSG) return decodeOpMsg(message, requestId);
  if (opCode === OP_QUERY) return decodeOpQuery(message, requestId);
  throw new WireProtocolError(`unsupported opCode ${opCode}`);
}

function decodeOpMsg(message: Buffer, requestId: number): WireRequest {
  const flags = message.readUInt32LE(HEADER_SIZE);
  const end = flags & MSG_CHECKSUM_PRESENT ? message.length - 4 : message.length;
  let offset = HEADER_SIZE + 4;
  let command: Document | undefined;
  const sequences: [string, Document[]][] = [];
  while (offset < end) {
    const kind = message[offset];
    offset += 1;
    if (kind === 0) {
      const size = message.readInt32LE(offset);
      command = deserialize(message.subarray(offset, offset + size), DESERIALIZE_OPTIONS);
      offset += size;
    } else if (kind === 1) {
      const size = message.readInt32LE(offset);
      const sectionEnd = offset + size;
      let cursor = offset + 4;
      const nameEnd = message.indexOf(0, cursor);
      const identifier = message.toString('utf8', cursor, nameEnd);
      cursor = nameEnd + 1;
      const docs: Document[] = [];
      while (cursor < sectionEnd) {
        const docSize = message.readInt32LE(cursor);
        docs.push(deserialize(message.subarray(cursor, cursor + docSize), DESERIALIZE_OPTIONS));
        cursor += docSize;
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
  let offset = HEADER_SIZE + 4;
  const nsEnd = message.indexOf(0, offset);
  const ns = message.toString('utf8', offset, nsEnd);
  offset = nsEnd + 1 + 8; // numberToSkip, numberToReturn
  const size = message.readInt32LE(offset);
  let query: Document = deserialize(message.subarray(offset, offset + size), DESERIALIZE_OPTIONS);
  // Legacy drivers wrap commands with read preferences as {$query: {...}, $readPreference}.
  if (query.$query !== undefined && typeof query.$query === 'object')
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

/** Splits a byte stream into complete wire messages. */
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
      if (length < HEADER_SIZE || length > 64 * 1024 * 1024) {
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
