/**
 * The statistics as a consumer of the shared plane passes. Planes are folded in on this
 * thread, or copied to worker threads (the file is read and decoded here, the histograms
 * and per-plane selections run there), with at most a few planes in flight per worker so
 * memory stays bounded whatever the file size.
 */
import { Worker } from "node:worker_threads";
import type { FitsPlane } from "../../fits/reader.js";
import type { PlaneConsumer } from "../plane-pass.js";
import { StatisticsAccumulator, StatisticsPlanner, type ImageStatisticsCore, type PassPartial, type PassPlan } from "./image-statistics.js";
import type { FromWorker, ToWorker } from "./statistics-worker.js";

const IN_FLIGHT_PER_WORKER = 2;
const WORKER_FILE = new URL("./statistics-worker.js", import.meta.url);

interface PooledWorker {
  readonly worker: Worker;
  inFlight: number;
  partial: { resolve: (partial: PassPartial) => void; reject: (err: Error) => void } | undefined;
}

/** Worker threads that fold planes into their own accumulators. */
class WorkerPool {
  private readonly workers: PooledWorker[] = [];
  private failure: Error | undefined;
  private waiting: (() => void)[] = [];
  /** Plane buffers back from the workers, reused so memory is a few planes whatever the cube. */
  private spare: ArrayBuffer[] = [];

  constructor(count: number) {
    for (let i = 0; i < count; i += 1) {
      const pooled: PooledWorker = { worker: new Worker(WORKER_FILE), inFlight: 0, partial: undefined };
      pooled.worker.on("message", (message: FromWorker) => this.receive(pooled, message));
      pooled.worker.on("error", (err) => this.fail(err));
      pooled.worker.on("exit", (code) => {
        if (code !== 0) this.fail(new Error(`a statistics worker exited with code ${code}`));
      });
      this.workers.push(pooled);
    }
  }

  private receive(pooled: PooledWorker, message: FromWorker): void {
    switch (message.kind) {
      case "done":
        this.spare.push(message.buffer);
        pooled.inFlight -= 1;
        this.wake();
        return;
      case "partial": {
        const pending = pooled.partial;
        pooled.partial = undefined;
        pending?.resolve(message.partial);
        return;
      }
      case "error": {
        const err = new Error(`statistics worker: ${message.message}`);
        if (message.stack !== undefined) err.stack = message.stack;
        this.fail(err);
        return;
      }
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.wake();
    for (const pooled of this.workers) {
      pooled.partial?.reject(err);
      pooled.partial = undefined;
    }
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }

  private check(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  broadcast(message: ToWorker): void {
    for (const pooled of this.workers) pooled.worker.postMessage(message);
  }

  async send(index: number, data: FitsPlane["data"]): Promise<void> {
    for (;;) {
      this.check();
      const idle = this.workers.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
      if (idle.inFlight < IN_FLIGHT_PER_WORKER) {
        const bytes = data.byteLength;
        const at = this.spare.findIndex((b) => b.byteLength === bytes);
        const buffer = at >= 0 ? (this.spare.splice(at, 1)[0] as ArrayBuffer) : new ArrayBuffer(bytes);
        const copy = data instanceof Float32Array ? new Float32Array(buffer) : new Float64Array(buffer);
        copy.set(data);
        idle.inFlight += 1;
        idle.worker.postMessage({ kind: "plane", index, data: copy } satisfies ToWorker, [copy.buffer]);
        return;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  async take(): Promise<PassPartial[]> {
    this.check();
    const partials = this.workers.map(
      (pooled) =>
        new Promise<PassPartial>((resolve, reject) => {
          pooled.partial = { resolve, reject };
          pooled.worker.postMessage({ kind: "take" } satisfies ToWorker);
        }),
    );
    return Promise.all(partials);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((p) => p.worker.terminate()));
  }
}

export interface StatisticsConsumerOptions {
  /** Worker threads; 0 folds planes in on the calling thread. */
  readonly threads: number;
}

export class StatisticsConsumer implements PlaneConsumer {
  private readonly planner = new StatisticsPlanner();
  private readonly local: StatisticsAccumulator | undefined;
  private readonly pool: WorkerPool | undefined;

  constructor(options: StatisticsConsumerOptions) {
    if (options.threads > 0) {
      this.pool = new WorkerPool(options.threads);
      this.start(this.planner.plan);
    } else {
      this.local = new StatisticsAccumulator();
      this.local.start(this.planner.plan);
    }
  }

  private start(plan: PassPlan): void {
    this.local?.start(plan);
    this.pool?.broadcast({ kind: "start", plan });
  }

  consume(plane: FitsPlane): void | Promise<void> {
    if (this.pool !== undefined) return this.pool.send(plane.index, plane.data);
    this.local?.add(plane);
  }

  async endPass(): Promise<boolean> {
    const partials = this.pool !== undefined ? await this.pool.take() : this.local !== undefined ? [this.local.take()] : [];
    for (const partial of partials) this.planner.merge(partial);
    const again = this.planner.endPass();
    if (again) this.start(this.planner.plan);
    return again;
  }

  result(): ImageStatisticsCore {
    return this.planner.result();
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }
}
