import { deserialize, serialize } from 'bson';
import fc from 'fast-check';
import {
  decodeMessage,
  encodeOpMsg,
  encodeOpReply,
  MAX_MESSAGE_SIZE_BYTES,
  MessageFramer,
  OP_QUERY,
  WireProtocolError,
} from './wire-protocol';

function opMsg(
  body: Record<string, unknown>,
  sequences: [string, Record<string, unknown>[]][] = [],
  flags = 0,
): Buffer {
  const parts: Buffer[] = [Buffer.from([0]), Buffer.from(serialize(body))];
  for (const [identifier, docs] of sequences) {
    const payload = Buffer.concat([
      Buffer.from(`${identifier}\0`),
      ...docs.map((doc) => Buffer.from(serialize(doc))),
    ]);
    const size = Buffer.alloc(4);
    size.writeInt32LE(payload.length + 4);
    parts.push(Buffer.from([1]), size, payload);
  }
  const flagBits = Buffer.alloc(4);
  flagBits.writeUInt32LE(flags);
  const rest = Buffer.concat([flagBits, ...parts]);
  const header = Buffer.alloc(16);
  header.writeInt32LE(16 + rest.length, 0);
  header.writeInt32LE(7, 4);
  header.writeInt32LE(2013, 12);
  return Buffer.concat([header, rest]);
}

function opQuery(ns: string, query: Record<string, unknown>): Buffer {
  const body = Buffer.concat([
    Buffer.alloc(4),
    Buffer.from(`${ns}\0`),
    Buffer.alloc(8),
    Buffer.from(serialize(query)),
  ]);
  const header = Buffer.alloc(16);
  header.writeInt32LE(16 + body.length, 0);
  header.writeInt32LE(3, 4);
  header.writeInt32LE(OP_QUERY, 12);
  return Buffer.concat([header, body]);
}

describe('wire protocol', () => {
  it('decodes OP_MSG body and document sequences into one command', () => {
    const request = decodeMessage(
      opMsg({ insert: 'c', $db: 'db' }, [['documents', [{ _id: 1 }, { _id: 2 }]]], 1 << 16),
    );
    expect(request).toMatchObject({
      requestId: 7,
      exhaustAllowed: true,
      moreToCome: false,
      command: { insert: 'c', $db: 'db', documents: [{ _id: 1 }, { _id: 2 }] },
    });
  });

  it('decodes the legacy OP_QUERY handshake with the database of its namespace', () => {
    const request = decodeMessage(opQuery('admin.$cmd', { isMaster: 1, helloOk: true }));
    expect(request).toMatchObject({
      opCode: OP_QUERY,
      command: { isMaster: 1, helloOk: true, $db: 'admin' },
    });
  });

  it('frames messages split across and packed into chunks', () => {
    const first = opMsg({ ping: 1, $db: 'admin' });
    const second = opMsg({ hello: 1, $db: 'admin' });
    const stream = Buffer.concat([first, second]);
    const framer = new MessageFramer();
    const messages = [
      ...framer.push(stream.subarray(0, 3)),
      ...framer.push(stream.subarray(3, first.length + 5)),
      ...framer.push(stream.subarray(first.length + 5)),
    ];
    expect(messages.map((message) => decodeMessage(message).command)).toEqual([
      { ping: 1, $db: 'admin' },
      { hello: 1, $db: 'admin' },
    ]);
  });

  it('encodes OP_MSG and OP_REPLY replies the driver can read', () => {
    const msg = Buffer.concat(encodeOpMsg({ ok: 1 }, 11, 7, true));
    expect(msg.readInt32LE(0)).toBe(msg.length);
    expect(msg.readInt32LE(8)).toBe(7);
    expect(msg.readUInt32LE(16)).toBe(2);
    expect(deserialize(msg.subarray(21))).toEqual({ ok: 1 });

    const reply = Buffer.concat(encodeOpReply({ ok: 1 }, 12, 3));
    expect(reply.readInt32LE(12)).toBe(1);
    expect(reply.readInt32LE(32)).toBe(1);
    expect(deserialize(reply.subarray(36))).toEqual({ ok: 1 });
  });

  describe('malformed input', () => {
    it('refuses an OP_MSG sequence section of negative length instead of looping', () => {
      const packet = Buffer.from('1a0000000100000000000000dd0700000000000001ffffffff00', 'hex');
      expect(() => decodeMessage(packet)).toThrow(WireProtocolError);
    });

    it('refuses sections and documents whose lengths run past the message', () => {
      const valid = opMsg({ insert: 'c', $db: 'db' }, [['documents', [{ _id: 1 }]]]);
      const bodySize = valid.readInt32LE(21);
      const tooLong = Buffer.from(valid);
      tooLong.writeInt32LE(bodySize + 1000, 21);
      expect(() => decodeMessage(tooLong)).toThrow(WireProtocolError);
      const tooShort = Buffer.from(valid);
      tooShort.writeInt32LE(2, 21);
      expect(() => decodeMessage(tooShort)).toThrow(WireProtocolError);
    });

    it('refuses a declared length over maxMessageSizeBytes before buffering it', () => {
      const head = Buffer.alloc(16);
      head.writeInt32LE(MAX_MESSAGE_SIZE_BYTES + 1, 0);
      head.writeInt32LE(2013, 12);
      expect(() => new MessageFramer().push(head)).toThrow(/invalid message length/);
      head.writeInt32LE(MAX_MESSAGE_SIZE_BYTES, 0);
      expect(new MessageFramer().push(head)).toEqual([]);
    });

    it('decodes or refuses any corruption of a valid message, never anything else', () => {
      const seeds = [
        opMsg({ insert: 'c', $db: 'db' }, [['documents', [{ _id: 1 }, { a: 'x' }]]], 1 << 16),
        opQuery('admin.$cmd', { isMaster: 1 }),
      ];
      const corruption = fc.record({
        seed: fc.constantFrom(...seeds),
        writes: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 6,
        }),
        int32: fc.option(fc.tuple(fc.nat(), fc.integer()), { nil: undefined }),
        cut: fc.option(fc.nat(), { nil: undefined }),
      });
      fc.assert(
        fc.property(corruption, ({ seed, writes, int32, cut }) => {
          let message = Buffer.from(seed);
          for (const [at, byte] of writes) message[16 + (at % (message.length - 16))] = byte;
          if (int32) message.writeInt32LE(int32[1], 16 + (int32[0] % (message.length - 20)));
          if (cut !== undefined) message = message.subarray(0, 16 + (cut % (message.length - 16)));
          message.writeInt32LE(message.length, 0);
          let failure: unknown;
          try {
            decodeMessage(message);
          } catch (error) {
            failure = error;
          }
          return failure === undefined || failure instanceof WireProtocolError;
        }),
        { numRuns: 2000 },
      );
    });
  });
});
