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
      this.queue = this.queue
        .then(() => this.handle(message))
        .catch((error: unknown) => {
          this.log(`closing connection ${this.info.id}: ${(error as Error).message}`);
          this.close();
        });
    }
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
