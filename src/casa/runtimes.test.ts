import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../config.js";
import { ErrorCode, ReimageError } from "../domain/index.js";
import { parseDistInfoVersion, parseMonolithicFolderName, scanRuntimes } from "./runtimes.js";

test("monolithic folder names give the CASA version, the pipeline and the platform they carry", () => {
  const cases: [string, ReturnType<typeof parseMonolithicFolderName>][] = [
    ["casa-6.5.4-9-pipeline-2023.1.0.124", { casaVersion: "6.5.4.9", pipeline: true, pipelineVersion: "2023.1.0.124" }],
    ["casa-6.6.1-17-pipeline-2024.1.0.8", { casaVersion: "6.6.1.17", pipeline: true, pipelineVersion: "2024.1.0.8" }],
    ["casa-6.1.1-15-pipeline-2020.1.0.40", { casaVersion: "6.1.1.15", pipeline: true, pipelineVersion: "2020.1.0.40" }],
    ["casa-6.2.1-7-pipeline-2021.2.0.128", { casaVersion: "6.2.1.7", pipeline: true, pipelineVersion: "2021.2.0.128" }],
    ["casa-release-5.4.0-70.el7", { casaVersion: "5.4.0.70", pipeline: false, platform: "el7" }],
    ["casa-pipeline-release-5.6.1-8.el7", { casaVersion: "5.6.1.8", pipeline: true, platform: "el7" }],
    ["casa-release-4.7.2-el7", { casaVersion: "4.7.2", pipeline: false, platform: "el7" }],
    ["casa-release-4.2.2-el6", { casaVersion: "4.2.2", pipeline: false, platform: "el6" }],
    ["casa-release-4.3.1-pipe-1-el6", { casaVersion: "4.3.1", pipeline: true, platform: "el6" }],
    ["casa-release-4.3.1-pipe-el6", { casaVersion: "4.3.1", pipeline: true, platform: "el6" }],
    ["casa-release-4.7.0-1-el7", { casaVersion: "4.7.0.1", pipeline: false, platform: "el7" }],
    ["casa-6.5.4-9-py3.8.el7", { casaVersion: "6.5.4.9", pipeline: false, platform: "el7", python: "3.8" }],
    ["casa-6.2.1-3", { casaVersion: "6.2.1.3", pipeline: false }],
  ];
  for (const [name, expected] of cases) assert.deepEqual(parseMonolithicFolderName(name), expected, name);
});

test("folder names without a version are not installs we can name", () => {
  for (const name of ["casa", "casa-latest", "casa-data", "casapy-42.2.30986-pipe-1-64b", "casa-6.5", "mycasa-6.5.4-9"]) {
    assert.equal(parseMonolithicFolderName(name), undefined, name);
  }
});

test("a package's METADATA gives its version, normalised", () => {
  assert.equal(parseDistInfoVersion("Metadata-Version: 2.1\nName: casatasks\nVersion: 6.7.0.31\nSummary: x\n"), "6.7.0.31");
  assert.equal(parseDistInfoVersion("Metadata-Version: 2.1\nName: casatasks\n"), undefined);
});

async function withTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "reimage-runtimes-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function write(path: string, content = ""): Promise<void> {
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, content);
}

/** A fake virtual environment: only what the scan reads (dist-info folders), no Python. */
async function fakeModularEnv(dir: string, casatasks: string, withCasashell: boolean): Promise<void> {
  const site = join(dir, "lib", "python3.11", "site-packages");
  await write(join(site, `casatasks-${casatasks}.dist-info`, "METADATA"), `Metadata-Version: 2.1\nName: casatasks\nVersion: ${casatasks}\n`);
  await mkdir(join(site, "casatools-6.6.0.20.dist-info"), { recursive: true });
  if (withCasashell) await mkdir(join(site, `casashell-${casatasks}.dist-info`), { recursive: true });
}

test("scanning finds the managed env, extra envs and every casa-* folder holding bin/casa", async () => {
  await withTemp(async (dir) => {
    const managed = join(dir, "managed");
    await write(join(managed, "reimage-casa.json"), JSON.stringify({ kind: "modular", casaVersion: "6.7.0.31", casashell: true, packages: {} }));
    await fakeModularEnv(join(dir, "env-a"), "6.6.0.20", true);
    await fakeModularEnv(join(dir, "env-b"), "6.5.6.22", false);
    await mkdir(join(dir, "env-empty"));

    const monoA = join(dir, "opt");
    await write(join(monoA, "casa-6.5.4-9-pipeline-2023.1.0.124", "bin", "casa"), "#!/bin/sh\n");
    await write(join(monoA, "casa-release-5.4.0-70.el7", "bin", "casa"), "#!/bin/sh\n");
    // CASA 5 kept the pipeline beside bin/: it is there even though the name does not say so.
    await mkdir(join(monoA, "casa-release-5.4.0-70.el7", "pipeline", "hifa"), { recursive: true });
    await write(join(monoA, "casa-release-4.7.2-el7", "bin", "casa"), "#!/bin/sh\n");
    await write(join(monoA, "casa-custom", "bin", "casa"), "#!/bin/sh\n");
    await write(join(monoA, "casa-6.6.1-17-pipeline-2024.1.0.8.tar.xz"), "not unpacked");
    await mkdir(join(monoA, "casa-notes"));
    await symlink(join(monoA, "casa-6.5.4-9-pipeline-2023.1.0.124"), join(monoA, "casa-latest"));
    const monoB = join(dir, "more");
    await write(join(monoB, "casa-6.5.4-9-py3.8.el7", "bin", "casa"), "#!/bin/sh\n");
    await mkdir(join(monoB, "casa-6.5.4-9-py3.8.el7", "lib", "py", "lib", "python3.8", "site-packages", "pipeline"), { recursive: true });

    const scan = await scanRuntimes({
      modularEnvDir: managed,
      extraModularEnvs: [join(dir, "env-a"), join(dir, "env-b"), join(dir, "env-empty"), join(dir, "env-missing")],
      monolithicDirs: [monoA, join(dir, "not-there"), monoB],
    });

    assert.deepEqual(
      scan.runtimes.map((r) => [r.id, r.kind, r.casaVersion, r.pipelineVersion ?? "-", r.hasPipeline, r.canRunCasashell]),
      [
        ["modular-6.7.0.31", "modular", "6.7.0.31", "-", false, true],
        ["modular-6.6.0.20-env-a", "modular", "6.6.0.20", "-", false, true],
        ["modular-6.5.6.22-env-b", "modular", "6.5.6.22", "-", false, false],
        ["casa-6.5.4-9-pipeline-2023.1.0.124", "monolithic", "6.5.4.9", "2023.1.0.124", true, true],
        ["casa-6.5.4-9-py3.8.el7", "monolithic", "6.5.4.9", "-", true, true],
        ["casa-release-5.4.0-70.el7", "monolithic", "5.4.0.70", "-", true, true],
        ["casa-release-4.7.2-el7", "monolithic", "4.7.2", "-", false, true],
      ],
    );
    const byId = new Map(scan.runtimes.map((r) => [r.id, r]));
    assert.equal(byId.get("modular-6.6.0.20-env-a")?.python, join(dir, "env-a", "bin", "python"));
    assert.equal(byId.get("casa-release-4.7.2-el7")?.path, join(monoA, "casa-release-4.7.2-el7"));
    assert.equal(byId.get("casa-release-4.7.2-el7")?.python, undefined);
    assert.deepEqual(
      scan.skipped.map((s) => s.path).sort(),
      [join(dir, "env-empty"), join(monoA, "casa-custom")].sort(),
    );
  });
});

test("nothing configured that exists lists nothing; a search folder that cannot be read is an error naming it", async () => {
  await withTemp(async (dir) => {
    const none = await scanRuntimes({ modularEnvDir: join(dir, "a"), extraModularEnvs: [join(dir, "b")], monolithicDirs: [join(dir, "c")] });
    assert.deepEqual(none, { runtimes: [], skipped: [] });

    const notAFolder = join(dir, "casa-installs");
    await writeFile(notAFolder, "a file where a folder was configured");
    await assert.rejects(
      scanRuntimes({ modularEnvDir: join(dir, "a"), extraModularEnvs: [], monolithicDirs: [notAFolder] }),
      (err: unknown) => err instanceof ReimageError && err.code === ErrorCode.CasaRuntimeUnreadable && err.message.includes(notAFolder),
    );
  });
});

test("the managed modular CASA on this machine lists as 6.7.0.31, modular, with casashell", async () => {
  const casa = loadConfig().casa;
  const { runtimes } = await scanRuntimes(casa);
  const managed = runtimes.find((r) => r.path === casa.modularEnvDir);
  assert.ok(managed, `no runtime at ${casa.modularEnvDir}: run \`reimage casa setup\` first`);
  assert.equal(managed.kind, "modular");
  assert.equal(managed.casaVersion, "6.7.0.31");
  assert.equal(managed.canRunCasashell, true);
  assert.equal(managed.hasPipeline, false);
  assert.equal(runtimes[0], managed);
});
