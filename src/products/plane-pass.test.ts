import assert from "node:assert/strict";
import { test } from "node:test";
import type { FitsPlane } from "../fits/reader.js";
import { runPlanePasses, type PlaneConsumer } from "./plane-pass.js";

function planes(count: number): () => AsyncIterable<FitsPlane> {
  return async function* () {
    for (let index = 0; index < count; index += 1) yield await Promise.resolve({ index, coords: [index], width: 1, height: 1, data: new Float32Array([index]) });
  };
}

/** A consumer that wants `passes` passes and records what it was shown. */
function wanting(passes: number): PlaneConsumer & { seen: number[]; ends: number[] } {
  const seen: number[] = [];
  const ends: number[] = [];
  return {
    seen,
    ends,
    consume: (_plane: FitsPlane, pass: number) => void seen.push(pass),
    endPass: (pass: number) => {
      ends.push(pass);
      return pass + 1 < passes;
    },
  };
}

test("passes run until no consumer asks for more; a consumer that is done sees nothing of the later passes", async () => {
  const once = wanting(1);
  const thrice = wanting(3);
  const report = await runPlanePasses({ planeCount: 4 }, planes(4), [once, thrice]);
  assert.deepEqual(report, { passes: 3, planesRead: 12 });
  assert.deepEqual(once.seen, [0, 0, 0, 0]);
  assert.deepEqual(once.ends, [0]);
  assert.deepEqual(thrice.seen, [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
  assert.deepEqual(thrice.ends, [0, 1, 2]);
});

test("a stream with the wrong number of planes and consumers that never stop are errors", async () => {
  await assert.rejects(runPlanePasses({ planeCount: 5 }, planes(4), [wanting(1)]), /saw 4 planes, the image has 5/);
  await assert.rejects(runPlanePasses({ planeCount: 2 }, planes(2), [wanting(100)], { maxPasses: 3 }), /after 3/);
});
