import { test } from "node:test";
import assert from "node:assert/strict";
import { loadConfig } from "./config.js";

test("the executor: local unless the environment or a flag says slurm; the flag wins", () => {
  assert.equal(loadConfig({}, {}, "/w").executor.kind, "local");
  const fromEnv = loadConfig({}, { REIMAGE_EXECUTOR: "slurm", REIMAGE_SLURM_PARTITION: "casa", REIMAGE_SLURM_OPTIONS: "--account=alma  --qos=long" }, "/w");
  assert.deepEqual(fromEnv.executor, { kind: "slurm", slurm: { partition: "casa", extraOptions: ["--account=alma", "--qos=long"], pollSeconds: 2 } });
  assert.equal(loadConfig({ executor: "local" }, { REIMAGE_EXECUTOR: "slurm" }, "/w").executor.kind, "local");
  assert.throws(() => loadConfig({ executor: "pbs" }, {}, "/w"), /executor "pbs": expected one of local, slurm/);
  assert.throws(() => loadConfig({}, { REIMAGE_SLURM_POLL_SECONDS: "0" }, "/w"), /expected a positive number/);
});
