import { test } from "node:test";
import assert from "node:assert/strict";
import { decideRetry } from "./retry.js";

const MiB = 2 ** 20;
const limits = { memoryCeilingBytes: 4096 * MiB, maxAttempts: 5 };
const memory = { errorClass: "memory", message: "killed" } as const;

test("a memory failure runs again with twice the memory, up to the ceiling, then gives up", () => {
  assert.deepEqual(decideRetry({ failure: memory, attempt: 1, memoryLimitBytes: 1024 * MiB }, limits), {
    retry: true,
    memoryLimitBytes: 2048 * MiB,
    reason: "memory: 1024 MiB -> 2048 MiB",
  });
  const capped = decideRetry({ failure: memory, attempt: 2, memoryLimitBytes: 3000 * MiB }, limits);
  assert.equal(capped.retry && capped.memoryLimitBytes, 4096 * MiB);
  assert.equal(decideRetry({ failure: memory, attempt: 3, memoryLimitBytes: 4096 * MiB }, limits).retry, false);
  assert.equal(decideRetry({ failure: memory, attempt: 1, memoryLimitBytes: null }, limits).retry, false, "no limit to raise");
});

test("failures that would repeat themselves are not retried; a crash is, once", () => {
  for (const errorClass of ["casa-version", "empty-selection", "missing-data", "disk-full", "unknown"] as const) {
    assert.equal(decideRetry({ failure: { errorClass, message: "" }, attempt: 1, memoryLimitBytes: null }, limits).retry, false, errorClass);
  }
  const crash = { errorClass: "crash", message: "SIGSEGV" } as const;
  assert.equal(decideRetry({ failure: crash, attempt: 1, memoryLimitBytes: null }, limits).retry, true);
  assert.equal(decideRetry({ failure: crash, attempt: 2, memoryLimitBytes: null }, limits).retry, false);
  assert.equal(decideRetry({ failure: memory, attempt: 5, memoryLimitBytes: MiB }, limits).retry, false, "at most maxAttempts");
});
