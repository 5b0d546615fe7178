// `reimage products` on large cubes against numpy/astropy and against the disk.
//
// For each size (1 GiB and 8 GiB of float32 by default; `--sizes 1` for the small one
// alone) it writes a cube of 1024 x 1024 pixel planes, NaN outside a primary-beam circle,
// noise and a line source inside, streaming with the FITS plane writer, then times in the
// same run, each after dropping the page cache (we are root; said if that fails):
//   1. one cold read of the file (4 MiB reads, nothing else);
//   2. the whole `reimage products FILE --json` process, wall time and peak RSS
//      (/usr/bin/time -v);
//   3. the numpy/astropy reference doing the same computation (products_reference.py:
//      read, min, max, mean, std, exact median and MAD, per-channel rms, peak map, moment 0),
//      wall time and peak RSS.
// It prints each figure and the ratios reimage/numpy and reimage/cold read, checks both
// found the same median and MAD, and deletes the cube.
//
//   npm run bench:products [-- --sizes 1,8] [--dir DIR]
import { spawn } from "node:child_process";
import { open, mkdir, readFile, rm, statfs, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createPlaneWriter } from "../src/fits/writer.js";
import { ensureReferencePython } from "../test/reference/ensure-reference-python.js";

const SIDE = 1024;
const GIB = 1024 ** 3;
const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const REFERENCE = fileURLToPath(new URL("../../bench/products_reference.py", import.meta.url));

interface Run {
  readonly seconds: number;
  readonly peakRssBytes: number | null;
  /** User plus system CPU seconds: the work done, less sensitive than wall time to a busy machine. */
  readonly cpuSeconds: number | null;
  readonly stdout: string;
}

/** Runs a command under /usr/bin/time -v: wall time measured here, peak RSS from time's report. */
async function timed(command: string, args: readonly string[]): Promise<Run> {
  const report = join(tmpdir(), `reimage-bench-time-${process.pid}.txt`);
  const started = performance.now();
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn("/usr/bin/time", ["-v", "-o", report, command, ...args], { shell: false, stdio: ["ignore", "pipe", "inherit"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => chunks.push(b));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(Buffer.concat(chunks).toString()) : reject(new Error(`${command} ${args.join(" ")} exited ${code}`))));
  });
  const seconds = (performance.now() - started) / 1000;
  const text = await readFile(report, "utf8");
  await rm(report, { force: true });
  const kb = /Maximum resident set size \(kbytes\): (\d+)/.exec(text)?.[1];
  const user = /User time \(seconds\): ([\d.]+)/.exec(text)?.[1];
  const system = /System time \(seconds\): ([\d.]+)/.exec(text)?.[1];
  const cpuSeconds = user === undefined || system === undefined ? null : Number(user) + Number(system);
  return { seconds, peakRssBytes: kb === undefined ? null : Number(kb) * 1024, cpuSeconds, stdout };
}

async function cachedBytes(): Promise<number> {
  const kb = /^Cached:\s+(\d+) kB/m.exec(await readFile("/proc/meminfo", "utf8"))?.[1];
  return kb === undefined ? Number.NaN : Number(kb) * 1024;
}

/** Drops the page cache so the next read comes from the disk; says why not, or how much it dropped. */
async function dropCaches(): Promise<string> {
  const before = await cachedBytes();
  try {
    await writeFile("/proc/sys/vm/drop_caches", "3\n");
  } catch (caught) {
    return `could NOT drop the page cache (${caught instanceof Error ? caught.message : String(caught)}): the reads below may come from memory`;
  }
  const after = await cachedBytes();
  return `page cache dropped: ${mib(before)} cached before, ${mib(after)} after`;
}

async function coldRead(path: string): Promise<number> {
  const handle = await open(path, "r");
  const buffer = new Uint8Array(4 * 1024 * 1024);
  const started = performance.now();
  try {
    for (let at = 0; ; ) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return (performance.now() - started) / 1000;
}

/** Fixed normal deviates drawn by index: fast enough to write gigabytes. */
function normalTable(size: number): Float32Array {
  const table = new Float32Array(size);
  let s = 12345;
  const uniform = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  for (let i = 0; i < size; i += 1) table[i] = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return table;
}

async function writeCube(path: string, channels: number): Promise<void> {
  const writer = await createPlaneWriter(path, {
    axes: [SIDE, SIDE, channels, 1],
    bitpix: -32,
    cards: [
      { keyword: "BUNIT", value: "Jy/beam" },
      { keyword: "BMAJ", value: 1e-3 },
      { keyword: "BMIN", value: 8e-4 },
      { keyword: "BPA", value: 20 },
      { keyword: "CTYPE1", value: "RA---SIN" },
      { keyword: "CRVAL1", value: 150 },
      { keyword: "CDELT1", value: -5e-5 },
      { keyword: "CRPIX1", value: SIDE / 2 + 1 },
      { keyword: "CUNIT1", value: "deg" },
      { keyword: "CTYPE2", value: "DEC--SIN" },
      { keyword: "CRVAL2", value: -30 },
      { keyword: "CDELT2", value: 5e-5 },
      { keyword: "CRPIX2", value: SIDE / 2 + 1 },
      { keyword: "CUNIT2", value: "deg" },
      { keyword: "CTYPE3", value: "FREQ" },
      { keyword: "CRVAL3", value: 1.0e11 },
      { keyword: "CDELT3", value: 1.0e6 },
      { keyword: "CRPIX3", value: 1 },
      { keyword: "CUNIT3", value: "Hz" },
      { keyword: "CTYPE4", value: "STOKES" },
      { keyword: "CRVAL4", value: 1 },
      { keyword: "CDELT4", value: 1 },
      { keyword: "CRPIX4", value: 1 },
    ],
  });
  const noise = normalTable(1 << 20);
  const inside = new Uint8Array(SIDE * SIDE);
  const source = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < SIDE; y += 1) {
    for (let x = 0; x < SIDE; x += 1) {
      const dx = x - SIDE / 2;
      const dy = y - SIDE / 2;
      inside[y * SIDE + x] = dx * dx + dy * dy <= (SIDE / 2) ** 2 ? 1 : 0;
      source[y * SIDE + x] = Math.exp(-((dx - 40) ** 2 + (dy + 25) ** 2) / (2 * 12 ** 2));
    }
  }
  const plane = new Float32Array(SIDE * SIDE);
  let s = 987654321;
  try {
    for (let c = 0; c < channels; c += 1) {
      const line = 0.05 * Math.exp(-(((c - channels / 2) / (channels / 20)) ** 2) / 2);
      for (let i = 0; i < plane.length; i += 1) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        plane[i] = inside[i] === 1 ? 0.002 * (noise[s >>> 12] as number) + line * (source[i] as number) : Number.NaN;
      }
      await writer.writePlane(plane);
    }
    await writer.close();
  } catch (caught) {
    await writer.abort();
    throw caught;
  }
}

function cpu(seconds: number | null): string {
  return seconds === null ? "?" : `${seconds.toFixed(2)} s`;
}

function mib(bytes: number | null): string {
  return bytes === null ? "?" : `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
}

interface Reference {
  readonly seconds: number;
  readonly median: number;
  readonly mad: number;
  readonly count: number;
}

interface Ours {
  readonly passes: number;
  readonly statistics: { readonly median: number | null; readonly mad: number | null; readonly validPixels: number };
}

async function benchSize(dir: string, gib: number, python: string): Promise<void> {
  const channels = (gib * GIB) / (SIDE * SIDE * 4);
  const path = join(dir, `cube-${gib}gib.fits`);
  const free = await statfs(dir);
  const available = free.bavail * free.bsize;
  if (available < gib * GIB * 1.2 + 2 * GIB) {
    process.stdout.write(`${gib} GiB: skipped, ${dir} has ${(available / GIB).toFixed(1)} GiB free\n`);
    return;
  }
  try {
    let started = performance.now();
    await writeCube(path, channels);
    process.stdout.write(`\n${gib} GiB cube: ${SIDE} x ${SIDE} x ${channels} float32, written in ${((performance.now() - started) / 1000).toFixed(1)} s (${path})\n`);

    process.stdout.write(`  ${await dropCaches()}\n`);
    const cold = await coldRead(path);

    await dropCaches();
    started = performance.now();
    const ours = await timed(process.execPath, [CLI, "products", path, "--json"]);
    const oursResult = JSON.parse(ours.stdout) as Ours;

    await dropCaches();
    const reference = await timed(python, [REFERENCE, path]);
    const referenceResult = JSON.parse(reference.stdout) as Reference;

    const same = oursResult.statistics.median === referenceResult.median && oursResult.statistics.mad === referenceResult.mad && oursResult.statistics.validPixels === referenceResult.count;
    process.stdout.write(
      [
        `  cold read (page cache dropped)     ${cold.toFixed(2)} s   ${(gib / cold).toFixed(2)} GiB/s`,
        `  reimage products (whole process)   ${ours.seconds.toFixed(2)} s   CPU ${cpu(ours.cpuSeconds)}   peak RSS ${mib(ours.peakRssBytes)}   ${oursResult.passes} passes`,
        `  numpy/astropy reference            ${reference.seconds.toFixed(2)} s   CPU ${cpu(reference.cpuSeconds)}   peak RSS ${mib(reference.peakRssBytes)}   (its own clock: ${referenceResult.seconds.toFixed(2)} s)`,
        `  reimage / numpy time               ${(ours.seconds / reference.seconds).toFixed(3)}   (numpy / reimage ${(reference.seconds / ours.seconds).toFixed(1)}x)`,
        `  reimage / numpy CPU time           ${ours.cpuSeconds !== null && reference.cpuSeconds !== null ? (ours.cpuSeconds / reference.cpuSeconds).toFixed(3) : "?"}`,
        `  reimage / cold read time           ${(ours.seconds / cold).toFixed(2)}`,
        `  reimage / numpy peak memory        ${ours.peakRssBytes !== null && reference.peakRssBytes !== null ? (ours.peakRssBytes / reference.peakRssBytes).toFixed(3) : "?"}`,
        `  same median and MAD as numpy       ${same ? "yes" : `NO: reimage ${oursResult.statistics.median} / ${oursResult.statistics.mad}, numpy ${referenceResult.median} / ${referenceResult.mad}`}`,
        "",
      ].join("\n"),
    );
  } finally {
    await rm(path, { force: true });
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const sizes = (flag("--sizes") ?? "1,8").split(",").map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--sizes takes whole GiB, comma-separated: ${flag("--sizes")}`);
  const dir = flag("--dir") ?? join(tmpdir(), "reimage-bench-products");
  const created = await mkdir(dir, { recursive: true });
  const python = await ensureReferencePython();
  const load = (await readFile("/proc/loadavg", "utf8")).split(" ").slice(0, 3).join(" ");
  process.stdout.write(`reimage products against numpy/astropy and the disk; load average at start ${load}\n`);
  try {
    for (const gib of sizes) await benchSize(dir, gib, python);
  } finally {
    // Only a folder this run made goes; the cubes themselves are removed after each size.
    if (created !== undefined) await rm(created, { recursive: true, force: true });
  }
  const after = (await readFile("/proc/loadavg", "utf8")).split(" ").slice(0, 3).join(" ");
  process.stdout.write(`load average at end ${after}\n`);
}

main().catch((caught: unknown) => {
  process.stderr.write(`bench:products: ${caught instanceof Error ? caught.message : String(caught)}\n`);
  process.exitCode = 1;
});
