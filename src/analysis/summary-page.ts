/**
 * The small HTML page of one cube's analysis: the figures, the lines with their
 * identifications, moment maps and slices, and links to every table and FITS file. One
 * self-contained page beside the files it links (relative links), no scripts.
 */
import type { CubeAnalysis } from "./analyse-cube.js";

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);
}

function num(value: number | undefined, digits = 4): string {
  return value === undefined || !Number.isFinite(value) ? "-" : Number(value.toPrecision(digits)).toString();
}

export function summaryPage(a: CubeAnalysis): string {
  const id = a.identification;
  const rows = a.lines
    .map((l, k) => {
      const who = l.identification === undefined ? "unidentified" : `${escape(l.identification.species)} ${escape(l.identification.quantumNumbers)}${l.identification.ambiguous ? " (ambiguous)" : ""}`;
      const alternatives = (l.identification?.alternatives ?? []).map((x) => `${escape(x.species)} ${escape(x.quantumNumbers)}`).join("; ");
      return `<tr><td>${k + 1}</td><td>${who}</td><td>${num(l.frequency / 1e9, 8)}</td><td>${l.channels[0]}-${l.channels[1]}</td><td>${num(l.fwhmKms)}</td><td>${num(l.peakSnr, 3)}</td><td>${num(l.integratedFlux)}</td><td>${num(l.identification?.velocityKms, 6)}</td><td>${alternatives || "-"}</td></tr>`;
    })
    .join("\n");
  const figures = a.lines
    .map((l, k) => {
      const pv = l.pv === undefined ? "" : `<figure><img src="${escape(l.pv.png)}" alt="position-velocity slice"><figcaption>PV slice, PA ${num(l.pv.positionAngle, 3)}&deg; (<a href="${escape(l.pv.fits)}">FITS</a>)</figcaption></figure>`;
      const m = l.moments.files;
      return `<h3>Line ${k + 1}: ${escape(l.label)}</h3>
<p>Moments over channels ${l.channels[0]}-${l.channels[1]}, pixels at or above ${num(l.moments.threshold, 3)} ${escape(a.cube.bunit)}, velocities against ${num(l.moments.restFrequency / 1e9, 9)} GHz.</p>
<div class="row"><figure><img src="${escape(m.moment0Png)}" alt="moment 0"><figcaption><a href="${escape(m.moment0)}">moment 0 FITS</a></figcaption></figure>
<figure><img src="${escape(m.moment1Png)}" alt="moment 1"><figcaption><a href="${escape(m.moment1)}">moment 1 FITS</a></figcaption></figure>
<figure><img src="${escape(m.moment2Png)}" alt="moment 2"><figcaption><a href="${escape(m.moment2)}">moment 2 FITS</a></figcaption></figure>${pv}</div>`;
    })
    .join("\n");
  const free = a.lineFinding.lineFree.map((r) => `${r.channels[0]}-${r.channels[1]}`).join(", ");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Analysis of ${escape(a.cube.path)}</title>
<style>body{font-family:"DejaVu Sans",sans-serif;margin:1.5em;max-width:1400px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}
figure{display:inline-block;margin:4px}img{max-width:640px}.row{display:flex;flex-wrap:wrap}</style></head>
<body>
<h1>${escape(a.cube.path.split("/").pop() ?? a.cube.path)}</h1>
<p>${a.cube.width} x ${a.cube.height} pixels of ${num(a.cube.pixelArcsec)}&Prime;, ${a.cube.channels} channels from ${num(a.cube.frequencyRange[0] / 1e9, 8)} to ${num(a.cube.frequencyRange[1] / 1e9, 8)} GHz (${escape(a.cube.specsys ?? "frame unknown")}).
Noise ${num(a.statistics.noise, 3)} ${escape(a.cube.bunit)}, peak ${num(a.statistics.peak, 3)}, dynamic range ${num(a.statistics.dynamicRange, 3)}.</p>
<h2>Cube statistics</h2>
<figure><img src="${escape(a.statistics.plot)}" alt="rms and peak per channel"><figcaption><a href="${escape(a.statistics.table)}">table</a></figcaption></figure>
<h2>Spectra</h2>
<div class="row"><figure><img src="${escape(a.spectra.plots.peakPixel)}" alt="spectrum at the brightest pixel"></figure>
<figure><img src="${escape(a.spectra.plots.integrated)}" alt="integrated spectrum"></figure></div>
<p><a href="${escape(a.spectra.table)}">spectra table</a>. Continuum: ${a.continuum.subtracted ? "subtracted per pixel" : "not subtracted"} (${escape(a.continuum.reason)}).</p>
<h2>Lines</h2>
<p>${a.lines.length} line(s) at ${a.lineFinding.options.significance} sigma over at least ${a.lineFinding.options.minChannels} channels; line-free channels: ${free || "none"}.
${id === undefined ? "Not identified (no catalogue)." : `Source velocity ${num(id.velocity, 6)} km/s (radio), cz ${num(id.cz, 6)} km/s, z ${num(id.redshift, 5)}${id.ambiguous ? ", <strong>ambiguous</strong>" : ""}: ${escape(id.note)}.`}</p>
<table><tr><th>#</th><th>identification</th><th>GHz</th><th>channels</th><th>FWHM km/s</th><th>peak S/N</th><th>flux ${escape(a.spectra.integratedUnit)} km/s</th><th>v km/s</th><th>alternatives</th></tr>
${rows}
</table>
${figures}
<p><a href="summary.json">summary.json</a> &middot; ${a.passes} passes over the cube, ${num(a.seconds, 3)} s</p>
</body></html>
`;
}
