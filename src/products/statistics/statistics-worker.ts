/**
 * A worker thread's side of the statistics: planes arrive by message (their buffers
 * transferred), an accumulator folds them in, and the pass's partial goes back on request.
 */
import { parentPort } from "node:worker_threads";
import { StatisticsAccumulator, type PassPlan } from "./image-statistics.js";
import type { Values } from "./robust.js";

export type ToWorker =
  | { readonly kind: "start"; readonly plan: PassPlan }
  | { readonly kind: "plane"; readonly index: number; readonly data: Values }
  | { readonly kind: "take" };

export type FromWorker =
  /** The plane's buffer goes back for the next plane: the pool allocates a few, not one per plane. */
  | { readonly kind: "done"; readonly buffer: ArrayBuffer }
  | { readonly kind: "partial"; readonly partial: ReturnType<StatisticsAccumulator["take"]> }
  | { readonly kind: "error"; readonly message: string; readonly stack: string | undefined };

const port = parentPort;
if (port !== null) {
  const accumulator = new StatisticsAccumulator();
  port.on("message", (message: ToWorker) => {
    try {
      switch (message.kind) {
        case "start":
          accumulator.start(message.plan);
          return;
        case "plane":
          accumulator.add(message);
          port.postMessage({ kind: "done", buffer: message.data.buffer as ArrayBuffer } satisfies FromWorker, [message.data.buffer as ArrayBuffer]);
          return;
        case "take":
          port.postMessage({ kind: "partial", partial: accumulator.take() } satisfies FromWorker);
          return;
      }
    } catch (caught) {
      const err = caught instanceof Error ? caught : new Error(String(caught));
      port.postMessage({ kind: "error", message: err.message, stack: err.stack } satisfies FromWorker);
    }
  });
}
