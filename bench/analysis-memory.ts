// Memory and time of the cube analysis as the cube grows along its spectral axis: a
// synthetic cube of 512 x 512 pixels with 64 channels (64 MiB) is the reference, the same
// with 1024 channels (1 GiB) the large one. Each is analysed in a fresh Node process that
// reports its peak resident set (getrusage's maxrss) and wall time. Streaming means the
// ratio of peak memory stays near 1 while time grows with the data.
//
//   node dist/bench/analysis-memory.js [work-dir]
import { spawn } from "node:child_process";
import { mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../src/config.js";
import { analyseCubeFile } from "../src/operations/analyse.js";
import { demoLikeCube, writeSyntheticCube } from "../test/reference/synthetic-cube.js";

interface Measure {
  readonly maxRssBytes: number;
  readonly seconds: number;
  readonly lines: number;
  readonly passes: number;
}

async function child(cube: string, out: string): Promise<void> {
  const started = Date.now();
  const analysis = await analyseCubeFile(loadConfig(), { cube, outDir: out });
  const measure: Measure = { maxRssBytes: process.resourceUsage().maxRSS * 1024, seconds: (Date.now() - started) / 1000, lines: analysis.lines.length, passes: analysis.passes };
  process.stdout.write(JSON.stringify(measure) + "\n");
}

function measure(cube: string, out: string): Promise<Measure> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [fileURLToPath(import.meta.url), "--child", cube, out], { shell: false, stdio: ["ignore", "pipe", "inherit"] });
    let text = "";
    p.stdout.on("data", (b: Buffer) => (text += b.toString()));
    p.on("error", reject);
    p.on("close", (code) => (code === 0 ? resolve(JSON.parse(text) as Measure) : reject(new Error(`analysis of ${cube} exited ${code}`))));
  });
}

async function main(): Promise<void> {
  if (process.argv[2] === "--child") {
    await child(process.argv[3] ?? "", process.argv[4] ?? "");
    return;
  }
  const dir = process.argv[2] ?? join(tmpdir(), "reimage-analysis-bench");
  await mkdir(dir, { recursive: true });
  const results: [string, number, Measure][] = [];
  for (const channels of [64, 1024]) {
    // The line is placed by the spectral axis; keep it in the band by centring the axis on it.
    const base = demoLikeCube({ width: 512, height: 512, channels });
    const spec = { ...base, frequency0: base.frequency0 - ((channels - 64) / 2) * base.channelHz };
    const cube = join(dir, `synthetic-${channels}.fits`);
    await writeSyntheticCube(cube, spec);
    const bytes = 512 * 512 * channels * 4;
    results.push([cube, bytes, await measure(cube, join(dir, `analysis-${channels}`))]);
    await rm(cube, { force: true });
  }
  const [reference, large] = results as [[string, number, Measure], [string, number, Measure]];
  for (const [cube, bytes, m] of results) {
    process.stdout.write(`${cube}: ${(bytes / 2 ** 20).toFixed(0)} MiB of pixels, peak RSS ${(m.maxRssBytes / 2 ** 20).toFixed(0)} MiB, ${m.seconds.toFixed(1)} s, ${m.passes} passes, ${m.lines} line(s)\n`);
  }
  process.stdout.write(
    `ratio large/reference: data ${(large[1] / reference[1]).toFixed(1)}x, peak RSS ${(large[2].maxRssBytes / reference[2].maxRssBytes).toFixed(2)}x, time ${(large[2].seconds / reference[2].seconds).toFixed(1)}x\n`,
  );
}

await main();
