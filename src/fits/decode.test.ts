/**
 * The decoding kernel on hand-made big-endian bytes: offsets and lengths, BLANK, scaling in
 * float32 as numpy does it, empty input and buffers too short.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { NO_SCALING, decodePixels, encodeFloats } from "./decode.js";

test("int16 big-endian with an offset into both arrays", () => {
  const bytes = Uint8Array.from([0xff, 0x00, 0x01, 0x80, 0x00, 0x7f, 0xff]);
  const out = new Float32Array(4).fill(-1);
  decodePixels(16, NO_SCALING, 3, bytes, 1, out, 1);
  assert.deepEqual([...out], [-1, 1, -32768, 32767]);
});

test("BLANK becomes NaN before scaling; scaling is float32 multiply then float32 add", () => {
  const bytes = Uint8Array.from([0x00, 0x03, 0x80, 0x00]);
  const out = new Float32Array(2);
  decodePixels(16, { bscale: 0.1, bzero: 1e-3, blank: -32768n }, 2, bytes, 0, out, 0);
  assert.equal(out[0], Math.fround(Math.fround(3 * Math.fround(0.1)) + Math.fround(1e-3)));
  assert.ok(Number.isNaN(out[1]));
});

test("int64 BLANK compares as an exact integer", () => {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setBigInt64(0, -(2n ** 63n), false);
  view.setBigInt64(8, 2n ** 53n + 1n, false);
  const out = new Float64Array(2);
  decodePixels(64, { bscale: 1, bzero: 0, blank: -(2n ** 63n) }, 2, bytes, 0, out, 0);
  assert.ok(Number.isNaN(out[0]));
  assert.equal(out[1], 2 ** 53);
});

test("floats: NaN passes through both ways; empty input decodes nothing", () => {
  const values = Float32Array.from([1.5, Number.NaN, -0]);
  const bytes = new Uint8Array(12);
  encodeFloats(-32, 3, values, 0, bytes, 0);
  const back = new Float32Array(3);
  decodePixels(-32, NO_SCALING, 3, bytes, 0, back, 0);
  assert.deepEqual(back, values);
  decodePixels(-64, NO_SCALING, 0, new Uint8Array(0), 0, new Float64Array(0), 0);
});

test("a buffer too short for the requested pixels is refused, not read past", () => {
  assert.throws(() => decodePixels(32, NO_SCALING, 2, new Uint8Array(7), 0, new Float64Array(2), 0), /8 bytes from offset 0 but the buffer holds 7/);
  assert.throws(() => decodePixels(8, NO_SCALING, 3, new Uint8Array(3), 0, new Float32Array(2), 0), /output holds 2/);
});
