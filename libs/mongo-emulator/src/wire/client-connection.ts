import type { Socket } from 'node:net';
import type { CommandDispatcher } from '../commands/command-dispatcher';
import type { ConnectionInfo } from '../commands/command-context';
import type { Document } from '../storage/bson-values';
import {
  decodeMessage,
  encodeOpMsg,
  encodeOpReply,
  MessageFramer,
  OP_QUERY,
  WireRequest,
} from './wire-protocol';

let nextReplyId = 1;

/**
 * Requests decoded but not yet answered on one connection. Drivers send one at a time; a peer
 * that pipelines more makes the connection stop reading until the backlog is worked off, so
 * what one connection buffers stays bounded (one message in the framer plus this many).
 */
const MAX_PENDING_REQUESTS = 8;
const MAX_PENDING_BYTES = 48_000_000;
/** Replies the peer has not read yet beyond this make the connection wait before answering more. */
const MAX_UNREAD_REPLY_BYTES = 16 * 1024 * 1024;

function isAwaitableHello(command: Document): boolean {
  const name = Object.keys(command)[0]?.toLowerCase();
  return (name === 'hello' || name === 'ismaster') && command.topologyVersion !== undefined;
}

/**
 * One client socket. Requests are handled one at a time in arrival order (drivers never
 * pipeline on a connection); an awaitable hello with exhaustAllowed streams replies until close.
 */
export class ClientConnection {
  private readonly controller = new AbortController();
  private readonly framer = new MessageFramer();
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  private pendingBytes = 0;
  readonly info: ConnectionInfo;

  constructor(
    private readonly socket: Socket,
    id: number,
    private readonly dispatcher: CommandDispatcher,
    private readonly log: (msg: string) => void,
  ) {
    this.info = { id, signal: this.controller.signal };
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.controller.abort());
  }

  get closed(): boolean {
    return this.controller.signal.aborted;
  }

  close(): void {
    this.controller.abort();
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    let messages: Buffer[];
    try {
      messages = this.framer.push(chunk);
    } catch (error) {
      this.log(`closing connection ${this.info.id}: ${(error as Error).message}`);
      this.close();
      return;
    }
    for (const message of messages) {
      this.pending += 1;
      this.pendingBytes += message.length;
      const size = message.length;
      this.queue = this.queue.then(() =>
        this.handle(message).then(
          () => this.settled(size),
          (error: unknown) => {
            this.settled(size);
            this.log(`closing connection ${this.info.id}: ${(error as Error).message}`);
            this.close();
          },
        ),
      );
    }
    if (this.backlogged) this.socket.pause();
  }

  private get backlogged(): boolean {
    return this.pending > MAX_PENDING_REQUESTS || this.pendingBytes > MAX_PENDING_BYTES;
  }

  private settled(bytes: number): void {
    this.pending -= 1;
    this.pendingBytes -= bytes;
    if (!this.backlogged && this.socket.isPaused() && !this.closed) this.socket.resume();
  }

  /** Waits until the peer has read enough of the replies already written (or the socket closed). */
  private async unreadRepliesDrained(): Promise<void> {
    if (this.socket.writableLength <= MAX_UNREAD_REPLY_BYTES || this.closed) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.controller.signal.removeEventListener('abort', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.controller.signal.addEventListener('abort', done, { once: true });
    });
  }

  private async handle(message: Buffer): Promise<void> {
    if (this.closed) return;
    const request = decodeMessage(message);
    let responseTo = request.requestId;
    for (;;) {
      const result = await this.dispatcher.execute(request.command, this.info);
      if (this.closed) return;
      if ('closeConnection' in result) {
        this.close();
        return;
      }
      if (request.moreToCome) return;
      const streaming =
        request.exhaustAllowed && isAwaitableHello(request.command) && result.reply.ok === 1;
      responseTo = this.send(request, result.reply, responseTo, streaming);
      // Only a peer that stops reading makes this wait (no extra await on the hot path).
      if (this.socket.writableLength > MAX_UNREAD_REPLY_BYTES) await this.unreadRepliesDrained();
      if (!streaming) return;
    }
  }

  /** Writes a reply; returns its request id (the responseTo of the next streamed reply). */
  private send(
    request: WireRequest,
    reply: Document,
    responseTo: number,
    moreToCome: boolean,
  ): number {
    const replyId = nextReplyId++;
    const buffers =
      request.opCode === OP_QUERY
        ? encodeOpReply(reply, replyId, responseTo)
        : encodeOpMsg(reply, replyId, responseTo, moreToCome);
    this.socket.cork();
    for (const buffer of buffers) this.socket.write(buffer);
    this.socket.uncork();
    return replyId;
  }
}
