/**
 * Which CASA restores a delivery, read from what the delivery says. Pure: the caller reads
 * the files. This first version knows the version asserts of manual calibration scripts
 * (CASA 4/5 `casadef.casa_version`, CASA 5 `cu.version()`, CASA 6 `casalith`); the
 * pipeline manifest, README and cycle sources come next (issue 9).
 */

export interface SourceText {
  readonly file: string;
  readonly text: string;
}

export interface VersionEvidence {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

export interface VersionRequirement {
  /** The version prefix the scripts assert, normalised with dots: "4.2.2", "6.7". */
  readonly casaVersion: string;
  readonly evidence: readonly VersionEvidence[];
  readonly confidence: "high" | "medium" | "low";
}

// re.search('^4.2.2', casadef.casa_version), re.search('^6\.7', casalith.version_string()),
// re.search('^5.1.1', '.'.join([str(i) for i in cu.version().tolist()[:-1]]))
const ASSERT = /re\.search\(\s*r?['"]\^?([0-9][0-9.\\]*)['"]\s*,\s*(casadef\.casa_version|casalith\.version|'\.'\.join\(\[str\(i\) for i in cu\.version\(\))/;

/** Turns a regular-expression prefix as scripts write it (`6\.7`) into a version ("6.7"). */
export function normaliseAssertedVersion(pattern: string): string {
  return pattern.replace(/\\/g, "").replace(/\.+$/, "");
}

/** The version the calibration scripts assert, or undefined if none does. */
export function discoverFromCalibrationScripts(scripts: readonly SourceText[]): VersionRequirement | undefined {
  const evidence: VersionEvidence[] = [];
  const versions = new Set<string>();
  for (const script of scripts) {
    script.text.split(/\r?\n/).forEach((text, i) => {
      if (/^\s*#/.test(text)) return;
      const m = ASSERT.exec(text);
      if (!m?.[1]) return;
      versions.add(normaliseAssertedVersion(m[1]));
      evidence.push({ file: script.file, line: i + 1, text: text.trim() });
    });
  }
  if (versions.size === 0) return undefined;
  // Several EBs asserting different versions is possible (restore per EB); until that is
  // handled, the most specific one leads and confidence drops.
  const sorted = [...versions].sort((a, b) => b.length - a.length);
  return { casaVersion: sorted[0]!, evidence, confidence: versions.size === 1 ? "high" : "low" };
}

/** True when `version` (e.g. "6.7.0.31") satisfies the asserted prefix (e.g. "6.7"). */
export function satisfiesPrefix(version: string, prefix: string): boolean {
  const v = version.replace(/-/g, ".").split(".");
  const p = prefix.replace(/-/g, ".").split(".");
  return p.every((part, i) => v[i] === part);
}
