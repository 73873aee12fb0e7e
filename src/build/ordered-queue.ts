// Runs async jobs with a bound on how many run at once, and hands their results to a consumer
// in submission order. A finished job frees its slot at once, even while an older job still
// runs or a result is being consumed, so a slow piece or a slow write does not leave a core
// idle. A window bounds the results that wait to be consumed.

interface Job<T> {
  settled: boolean;
  failed: boolean;
  result?: T;
  error?: unknown;
}

/** A bounded, order-keeping job queue. */
export class OrderedQueue<T> {
  private readonly jobs: Job<T>[] = [];
  private running = 0;
  private consuming = false;
  private failure: { error: unknown } | undefined;
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
        if (!this.consuming) void this.consumeSettled();
        this.wake();
      });
  }

  /** Waits for every submitted job and for the consumer to take every result. */
  async drain(): Promise<void> {
    await this.waitUntil(() => this.jobs.length === 0 && !this.consuming);
  }

  private async waitUntil(ready: () => boolean): Promise<void> {
    for (;;) {
      if (this.failure) throw this.failure.error;
      if (ready()) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  /** Consumes settled results from the front, in order, until the front job is still running. */
  private async consumeSettled(): Promise<void> {
    this.consuming = true;
    try {
      while (this.jobs[0]?.settled && this.failure === undefined) {
        const job = this.jobs[0];
        if (job.failed) throw job.error;
        await this.consume(job.result as T);
        this.jobs.shift();
        this.wake();
      }
    } catch (error) {
      this.failure = { error };
    } finally {
      this.consuming = false;
      this.wake();
    }
  }
}
