/**
 * One read of a FITS image feeds every product computation at once: statistics, the peak
 * and moment-0 maps of a preview, the valid-pixel mask of a footprint. Reading a large cube
 * is the cost that matters, so consumers share passes instead of each reading the file.
 *
 * A consumer sees the planes of a pass in file order and says, when the pass ends, whether
 * it needs another one (an exact median needs a second look at the pixels; the spectrum at
 * the peak needs the peak first).
 */
import type { FitsPlane, ImageLayout } from "../fits/reader.js";

export interface PlaneConsumer {
  /**
   * Called once per plane, in file order. The plane's data must not be kept past the call
   * (copy it to hand it on). A promise holds the next plane back until it settles: a
   * consumer that hands planes to worker threads uses it to bound what is in flight.
   */
  consume(plane: FitsPlane, pass: number): void | Promise<void>;
  /** Called after the last plane of pass `pass` (0-based); `true` asks for one more pass. */
  endPass(pass: number): boolean | Promise<boolean>;
}

/** Where planes come from: a fresh stream of the image's planes for every pass. */
export type PlaneStream = () => AsyncIterable<FitsPlane>;

export interface PassReport {
  readonly passes: number;
  readonly planesRead: number;
}

/**
 * Runs passes until no consumer asks for another. A consumer that answered `false` is done:
 * it sees no plane and no `endPass` of the later passes others ask for, so an accumulator
 * never counts a pass twice and consumers stay independent of each other.
 */
export async function runPlanePasses(
  layout: Pick<ImageLayout, "planeCount">,
  planes: PlaneStream,
  consumers: readonly PlaneConsumer[],
  options: { readonly maxPasses?: number; readonly signal?: AbortSignal } = {},
): Promise<PassReport> {
  const maxPasses = options.maxPasses ?? 8;
  let planesRead = 0;
  let active = [...consumers];
  for (let pass = 0; pass < maxPasses; pass += 1) {
    let seen = 0;
    for await (const plane of planes()) {
      options.signal?.throwIfAborted();
      for (const consumer of active) {
        const held = consumer.consume(plane, pass);
        if (held !== undefined) await held;
      }
      seen += 1;
    }
    planesRead += seen;
    if (seen !== layout.planeCount) {
      throw new Error(`pass ${pass} saw ${seen} planes, the image has ${layout.planeCount}`);
    }
    const asking: PlaneConsumer[] = [];
    for (const consumer of active) if (await consumer.endPass(pass)) asking.push(consumer);
    if (asking.length === 0) return { passes: pass + 1, planesRead };
    active = asking;
  }
  throw new Error(`the consumers still asked for more passes after ${maxPasses}`);
}
