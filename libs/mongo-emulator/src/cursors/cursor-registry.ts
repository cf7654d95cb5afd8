import type { ServerCursor } from './server-cursor';

/** mongod's default idle cursor timeout (cursorTimeoutMillis). */
const IDLE_CURSOR_TIMEOUT_MS = 10 * 60 * 1000;

/** Open cursors by id. Ids are positive, never reused, and fit in a double for easy handling. */
export class CursorRegistry {
  private readonly cursors = new Map<number, ServerCursor>();
  private nextId = 1_000_000 + Math.floor(Math.random() * 1_000_000);

  register(cursor: ServerCursor): number {
    const id = this.nextId++;
    this.cursors.set(id, cursor);
    return id;
  }

  /** Cursors open now (serverStatus `metrics.cursor.open.total`). */
  get openCount(): number {
    return this.cursors.size;
  }

  get(id: number): ServerCursor | undefined {
    return this.cursors.get(id);
  }

  kill(id: number): boolean {
    const cursor = this.cursors.get(id);
    if (!cursor) return false;
    cursor.close();
    this.cursors.delete(id);
    return true;
  }

  /** Closes cursors idle longer than mongod's timeout. */
  reapIdle(now = Date.now()): void {
    for (const [id, cursor] of this.cursors) {
      if (!cursor.busy && now - cursor.lastUsed > IDLE_CURSOR_TIMEOUT_MS) this.kill(id);
    }
  }

  closeAll(): void {
    for (const id of [...this.cursors.keys()]) this.kill(id);
  }
}
