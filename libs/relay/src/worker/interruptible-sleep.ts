/** A delay that `wake()` ends early (a stop request must not wait out a restart backoff). */
export class InterruptibleSleep {
  private wakeUp: (() => void) | undefined;

  async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
    this.wakeUp = undefined;
  }

  wake(): void {
    this.wakeUp?.();
  }
}
