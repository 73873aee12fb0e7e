// Runs async jobs with a bound on how many run at once, and hands their results to a consumer
// in submission order. A finished job frees its slot at once, even while an older job still
// runs, so a slow piece does not leave a core idle; the window bounds what waits to be consumed.

interface Job<T> {
  settled: boolean;
  result?: T;
  error?: unknown;
  failed: boolean;
}

/** A bounded, order-keeping job queue. */
export class OrderedQueue<T> {
  private readonly jobs: Job<T>[] = [];
  private running = 0;
  private wake: () => void = () => {};

  /**
   * @param maxRunning jobs started and not yet settled, at most.
   * @param maxQueued jobs submitted and not yet consumed (running or waiting), at most.
   * @param consume receives each result in submission order, one at a time.
   */
  constructor(
    private readonly maxRunning: number,
    private readonly maxQueued: number,
    private readonly consume: (result: T) => Promise<void>,
  ) {}

  /** Waits for room, then starts `start()`. Rethrows the first failure of an earlier job. */
  async submit(start: () => Promise<T>): Promise<void> {
    await this.waitUntil(() => this.running < this.maxRunning && this.jobs.length < this.maxQueued);

    const job: Job<T> = { settled: false, failed: false };
    this.jobs.push(job);
    this.running++;
    Promise.resolve()
      .then(start)
      .then(
        (result) => {
          job.result = result;
        },
        (error: unknown) => {
          job.error = error;
          job.failed = true;
        },
      )
      .finally(() => {
        job.settled = true;
        this.running--;
        this.wake();
      });
  }

  /** Waits for every submitted job and consumes the rest of the results. */
  async drain(): Promise<void> {
    await this.waitUntil(() => this.jobs.length === 0);
  }

  private async waitUntil(ready: () => boolean): Promise<void> {
    for (;;) {
      await this.consumeSettled();
      if (ready()) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        // A job may have settled while consumeSettled returned; then there is no wake to wait for.
        if (this.jobs[0]?.settled || ready()) resolve();
      });
    }
  }

  private async consumeSettled(): Promise<void> {
    while (this.jobs[0]?.settled) {
      const job = this.jobs.shift() as Job<T>;
      if (job.failed) throw job.error;
      await this.consume(job.result as T);
    }
  }
}
