import { describe, expect, it } from "vitest";
import { OrderedQueue } from "./ordered-queue.js";

const delay = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

describe("OrderedQueue", () => {
  it("consumes results in submission order", async () => {
    const consumed: number[] = [];
    const queue = new OrderedQueue<number>(3, 6, async (value) => {
      consumed.push(value);
    });
    const delays = [30, 5, 20, 1, 10, 2, 15, 0];
    for (const [index, milliseconds] of delays.entries()) {
      await queue.submit(async () => {
        await delay(milliseconds);
        return index;
      });
    }
    await queue.drain();
    expect(consumed).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("runs at most maxRunning jobs at once", async () => {
    let running = 0;
    let peak = 0;
    const queue = new OrderedQueue<void>(2, 8, async () => {});
    for (let index = 0; index < 10; index++) {
      await queue.submit(async () => {
        running++;
        peak = Math.max(peak, running);
        await delay(index % 3);
        running--;
      });
    }
    await queue.drain();
    expect(peak).toBe(2);
  });

  it("starts a job when any running job ends", async () => {
    // The first job is slow; the later ones must not wait for it to end before they start.
    const started: number[] = [];
    let slowEnded = false;
    const queue = new OrderedQueue<void>(2, 8, async () => {});
    await queue.submit(async () => {
      started.push(0);
      await delay(50);
      slowEnded = true;
    });
    for (let index = 1; index < 5; index++) {
      await queue.submit(async () => {
        started.push(index);
      });
    }
    await delay(0);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(slowEnded).toBe(false);
    await queue.drain();
  });

  it("starts jobs while a result is being consumed", async () => {
    const started: number[] = [];
    let consuming = false;
    const startedWhileConsuming: number[] = [];
    const queue = new OrderedQueue<number>(2, 8, async () => {
      consuming = true;
      await delay(20);
      consuming = false;
    });
    for (let index = 0; index < 6; index++) {
      await queue.submit(async () => {
        started.push(index);
        if (consuming) startedWhileConsuming.push(index);
        return index;
      });
    }
    await queue.drain();
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(startedWhileConsuming.length).toBeGreaterThan(0);
  });

  it("rethrows a failed consumer", async () => {
    const queue = new OrderedQueue<number>(2, 4, async () => {
      throw new Error("write failed");
    });
    await queue.submit(async () => 1);
    await expect(queue.drain()).rejects.toThrow("write failed");
  });

  it("keeps at most maxQueued results waiting", async () => {
    let waiting = 0;
    let peak = 0;
    const queue = new OrderedQueue<void>(4, 3, async () => {
      waiting--;
    });
    const slow = delay(30);
    for (let index = 0; index < 8; index++) {
      await queue.submit(async () => {
        waiting++;
        peak = Math.max(peak, waiting);
        if (index === 0) await slow;
      });
    }
    await queue.drain();
    expect(peak).toBeLessThanOrEqual(3);
  });

  it("rethrows a failed job", async () => {
    const queue = new OrderedQueue<number>(2, 4, async () => {});
    await queue.submit(async () => {
      throw new Error("compression failed");
    });
    await expect(queue.drain()).rejects.toThrow("compression failed");
  });
});
