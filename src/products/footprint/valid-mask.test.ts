/**
 * The valid-pixel mask as the planes of a cube pass: a pixel is valid when finite in any
 * plane (NaN and infinities are not), or for a primary-beam image at or above the limit.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { PixelArray } from "../../fits/decode.js";
import { createValidMaskConsumer } from "./footprint.js";

function plane(index: number, width: number, height: number, data: PixelArray): { index: number; coords: number[]; width: number; height: number; data: PixelArray } {
  return { index, coords: [index], width, height, data };
}

describe("the valid-pixel mask", () => {
  test("finite in any plane, whatever the image size modulo four and the float width", () => {
    // 7 x 3 = 21 pixels: five words of four and one pixel after them.
    const width = 7;
    const height = 3;
    const first = new Float32Array(21).fill(Number.NaN);
    const second = new Float64Array(21).fill(Number.NaN);
    first[0] = 1;
    first[5] = Number.POSITIVE_INFINITY;
    first[20] = -2;
    second[5] = 0;
    second[6] = Number.NEGATIVE_INFINITY;
    second[13] = 3;
    const consumer = createValidMaskConsumer(width, height);
    void consumer.consume(plane(0, width, height, first), 0);
    void consumer.consume(plane(1, width, height, second), 0);
    assert.equal(consumer.endPass(0), false);
    // A later pass changes nothing.
    void consumer.consume(plane(0, width, height, new Float32Array(21).fill(1)), 1);
    const expected = new Uint8Array(21);
    for (const i of [0, 5, 13, 20]) expected[i] = 1;
    assert.deepEqual(consumer.mask.valid, expected);
  });

  test("a primary-beam image is valid from the limit up", () => {
    const consumer = createValidMaskConsumer(5, 1, 0.2);
    void consumer.consume(plane(0, 5, 1, Float32Array.from([0.1, 0.2, 0.9, Number.NaN, Number.POSITIVE_INFINITY])), 0);
    assert.deepEqual([...consumer.mask.valid], [0, 1, 1, 0, 0]);
  });

  test("a plane of another size is refused", () => {
    const consumer = createValidMaskConsumer(4, 4);
    assert.throws(() => consumer.consume(plane(3, 4, 3, new Float32Array(12)), 0), /plane 3 is 4 x 3, the footprint expects 4 x 4/);
  });
});
