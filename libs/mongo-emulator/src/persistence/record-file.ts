import { deserialize, serialize } from 'bson';
import { crc32 } from 'node:zlib';
import type { Document } from '../storage/bson-values';

/**
 * Must match the wire decoder's promotion (wire/wire-protocol.ts), so a document read back from
 * disk is the same JavaScript value the commands stored: int32/int64/double that fit become
 * numbers, binaries stay Binary.
 */
export const PERSISTED_DESERIALIZE_OPTIONS = {
  promoteLongs: true,
  promoteValues: true,
  promoteBuffers: false,
  bsonRegExp: false,
};

/** Bytes before each record's BSON body: its length and its CRC-32. */
export const RECORD_HEADER_BYTES = 8;

/**
 * One framed record: `[u32 body length][u32 crc32(body)][BSON body]`. A record is either read
 * whole with a matching checksum, or it is the torn tail of a file written when the process died.
 */
export function encodeRecord(record: Document): Buffer {
  const body = serialize(record, { checkKeys: false, ignoreUndefined: true });
  const header = Buffer.alloc(RECORD_HEADER_BYTES);
  header.writeUInt32LE(body.length, 0);
  header.writeUInt32LE(crc32(body), 4);
  return Buffer.concat([header, body]);
}

export interface DecodedRecords {
  records: Document[];
  /** Offset just past the last intact record; anything after it is a torn write. */
  validBytes: number;
  /** Whether bytes after `validBytes` were ignored. */
  torn: boolean;
}

/** Reads the intact records of a file's contents, stopping at the first torn or corrupt one. */
export function decodeRecords(buffer: Buffer): DecodedRecords {
  const records: Document[] = [];
  let offset = 0;
  while (offset + RECORD_HEADER_BYTES <= buffer.length) {
    const length = buffer.readUInt32LE(offset);
    const checksum = buffer.readUInt32LE(offset + 4);
    const start = offset + RECORD_HEADER_BYTES;
    const end = start + length;
    if (length < 5 || end > buffer.length) break;
    const body = buffer.subarray(start, end);
    if (crc32(body) !== checksum) break;
    records.push(deserialize(body, PERSISTED_DESERIALIZE_OPTIONS));
    offset = end;
  }
  return { records, validBytes: offset, torn: offset < buffer.length };
}
