import { ReadAheadQueue } from './read-ahead.queue';

/** A reader over `items`, counting reads; `failAt` makes that read throw. */
function reader(items: number[], failAt?: number) {
  let reads = 0;
  return {
    get reads() {
      return reads;
    },
    read: async (): Promise<number | undefined> => {
      await Promise.resolve();
      const index = reads++;
      if (index === failAt) {
        throw new Error('stream failed');
      }
      if (index < items.length) {
        return items[index];
      }
      // Nothing new: like an empty getMore, this takes a while.
      await new Promise((resolve) => setTimeout(resolve, 5));
      return undefined;
    },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe(ReadAheadQueue.name, () => {
  it('reads ahead of the consumer, at most `limit` items, and in order', async () => {
    const source = reader([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const queue = new ReadAheadQueue(3, source.read);
    expect(await queue.take()).toBe(1);
    await settle();
    // One taken, three waiting: reading stops there (backpressure).
    expect(queue.length).toBe(3);
    expect(source.reads).toBe(4);
    expect([await queue.take(), await queue.take(), await queue.take()]).toEqual([2, 3, 4]);
    queue.close();
  });

  it('once full, reads again only when half of what waits was taken', async () => {
    const source = reader(Array.from({ length: 20 }, (_, n) => n + 1));
    const queue = new ReadAheadQueue(4, source.read);
    expect(await queue.take()).toBe(1);
    await settle();
    expect([queue.length, source.reads]).toEqual([4, 5]);
    expect(queue.takeReady()).toBe(2);
    await settle();
    // Three waiting, more than half of four: no read for one taken item.
    expect([queue.length, source.reads]).toEqual([3, 5]);
    expect(queue.takeReady()).toBe(3);
    await settle();
    // Two waiting: it reads up to four again, in order.
    expect([queue.length, source.reads]).toEqual([4, 7]);
    expect([4, 5, 6, 7].map(() => queue.takeReady())).toEqual([4, 5, 6, 7]);
    queue.close();
  });

  it('hands over what was read before a failure, then rejects with it', async () => {
    const queue = new ReadAheadQueue(10, reader([1, 2, 3], 2).read);
    expect(await queue.take()).toBe(1);
    expect(await queue.take()).toBe(2);
    await expect(queue.take()).rejects.toThrow('stream failed');
  });

  it('answers null once closed, dropping what waits (it is read again from the checkpoint)', async () => {
    const queue = new ReadAheadQueue(10, reader([1, 2, 3]).read);
    expect(await queue.take()).toBe(1);
    await settle();
    queue.close();
    expect(await queue.take()).toBeNull();
    expect(queue.length).toBe(0);
  });

  it('wakes a waiting consumer when an item arrives or the queue closes', async () => {
    let release: ((value: number) => void) | undefined;
    const queue = new ReadAheadQueue(
      2,
      () => new Promise<number | undefined>((resolve) => (release = resolve)),
    );
    const taken = queue.take();
    await settle();
    release!(42);
    expect(await taken).toBe(42);
    const waiting = queue.take();
    await settle();
    queue.close();
    expect(await waiting).toBeNull();
  });
});
