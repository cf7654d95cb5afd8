import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { readOplogWindow, type OplogWindow } from '@app/relay';

/** Reads closer together than this share one reading (status pages, scrapes and the scheduler). */
const READING_MAX_AGE_MS = 1_000;

/** The deployment's oplog window, read through the server's connection. */
@Injectable()
export class OplogWindowService {
  private reading: Promise<OplogWindow> | undefined;
  private readingAt = 0;

  constructor(@InjectConnection() private readonly connection: Connection) {}

  /** The current window (a reading at most a second old); never throws. */
  current(): Promise<OplogWindow> {
    const now = Date.now();
    if (!this.reading || now - this.readingAt > READING_MAX_AGE_MS) {
      this.readingAt = now;
      this.reading = readOplogWindow(this.connection.getClient());
    }
    return this.reading;
  }
}
