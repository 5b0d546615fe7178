// What the previews cost on top of reading: a cube (default 512 x 512 x 256 float32, 256 MiB,
// NaN outside a primary-beam circle, noise and a line source) is written to a temporary
// folder, then, in the same process and alternately, read in two plain passes (the reference:
// the spectrum at the peak needs a second pass) and in two passes through the preview
// consumers; the drawing and PNG writing are timed apart. Prints each time and the ratio.
//
//   npm run build && node dist/bench/previews.js [--side 512] [--channels 256] [--rounds 3]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createPlaneWriter } from "../src/fits/writer.js";
import { imageLayout, readFitsInfo, readPlanes } from "../src/fits/reader.js";
import { runPlanePasses, type PlaneConsumer } from "../src/products/plane-pass.js";
import { imageHdu, previewConsumers, previewPaths, wcsOrReason } from "../src/products/preview/index.js";

const { values } = parseArgs({ options: { side: { type: "string", default: "512" }, channels: { type: "string", default: "256" }, rounds: { type: "string", default: "3" } } });
const side = Number(values.side);
const channels = Number(values.channels);
const rounds = Number(values.rounds);

const dir = await mkdtemp(join(tmpdir(), "reimage-bench-previews-"));
try {
  const file = join(dir, "cube.fits");
  const writer = await createPlaneWriter(file, {
    axes: [side, side, channels, 1],
    bitpix: -32,
    cards: [
      { keyword: "CTYPE1", value: "RA---SIN" },
      { keyword: "CRVAL1", value: 10 },
      { keyword: "CDELT1", value: -1e-4 },
      { keyword: "CRPIX1", value: side / 2 },
      { keyword: "CTYPE2", value: "DEC--SIN" },
      { keyword: "CRVAL2", value: -30 },
      { keyword: "CDELT2", value: 1e-4 },
      { keyword: "CRPIX2", value: side / 2 },
      { keyword: "CTYPE3", value: "FREQ" },
      { keyword: "CRVAL3", value: 100e9 },
      { keyword: "CDELT3", value: 1e6 },
      { keyword: "CRPIX3", value: 1 },
      { keyword: "BUNIT", value: "Jy/beam" },
      { keyword: "BMAJ", value: 5e-4 },
      { keyword: "BMIN", value: 4e-4 },
      { keyword: "BPA", value: 10 },
    ],
  });
  const plane = new Float32Array(side * side);
  const r2 = (0.47 * side) ** 2;
  for (let c = 0; c < channels; c += 1) {
    const line = 5 * Math.exp(-((c - channels / 2) ** 2) / 200);
    for (let i = 0; i < plane.length; i += 1) {
      const x = (i % side) - side / 2;
      const y = Math.floor(i / side) - side / 2;
      const d2 = x * x + y * y;
      plane[i] = d2 > r2 ? Number.NaN : Math.random() - 0.5 + (d2 < 100 ? line : 0);
    }
    await writer.writePlane(plane);
  }
  await writer.close();

  const info = await readFitsInfo(file);
  const hdu = imageHdu(info.hdus, file);
  const layout = imageLayout(hdu);
  const { wcs } = wcsOrReason(hdu);
  const twoPlainPasses: PlaneConsumer = { consume: () => undefined, endPass: (pass) => pass === 0 };
  console.log(`cube ${side} x ${side} x ${channels} float32, ${((side * side * channels * 4) / 2 ** 20).toFixed(0)} MiB (page cache warm after the write)`);
  for (let round = 0; round < rounds; round += 1) {
    let t = performance.now();
    await runPlanePasses(layout, () => readPlanes(file), [twoPlainPasses]);
    const read = performance.now() - t;
    t = performance.now();
    const previews = previewConsumers({ file, hdu, wcs, out: previewPaths(dir, file) });
    await runPlanePasses(layout, () => readPlanes(file), previews.consumers);
    const passes = performance.now() - t;
    t = performance.now();
    await previews.finish();
    const draw = performance.now() - t;
    console.log(
      `round ${round + 1}: two plain passes ${read.toFixed(0)} ms; two passes with the preview consumers ${passes.toFixed(0)} ms (ratio ${(passes / read).toFixed(2)}); ` +
        `drawing and writing the PNGs ${draw.toFixed(0)} ms; RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
