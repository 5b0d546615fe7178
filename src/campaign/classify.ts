/**
 * Error classification: from what a failed step left behind (exit status, signal, the
 * lines of its CASA log, stdout and stderr) to the class an operator acts on, with the
 * line that shows it. Pure: the caller reads the files.
 *
 * Rules are tried in order of how directly they name a cause: a version assert or a full
 * disk explains the crash that follows it, and a memory kill explains the missing output.
 * Within a rule, the earliest matching line wins: later lines are usually consequences.
 */
import { ErrorClass, type StepFailure } from "../domain/campaign.js";

export interface LogLine {
  readonly file: string;
  readonly text: string;
}

export interface FailureEvidence {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut?: boolean;
  readonly lines: readonly LogLine[];
}

interface Rule {
  readonly errorClass: ErrorClass;
  readonly patterns: readonly RegExp[];
  readonly message: string;
}

/**
 * CASA writes this SEVERE line in every log when casadata's leap-second table ends before
 * today; it is harmless for epochs the tables cover, so it never decides a class alone.
 */
const HARMLESS = [/Leap second table TAI_UTC seems out-of-date/, /Until the table is updated/, /times and coordinates derived from UTC could be wrong/];

const RULES: readonly Rule[] = [
  {
    errorClass: ErrorClass.CasaVersion,
    message: "the delivered scripts need another CASA version",
    patterns: [
      /PLEASE USE THE SAME VERSION OF CASA/i,
      /casa-version-unavailable/,
      /No module named '(casalith|casadef)'/,
      /name '(casadef|casalith)' is not defined/,
    ],
  },
  {
    errorClass: ErrorClass.PipelineUnavailable,
    message: "the ALMA pipeline is not available in this CASA",
    patterns: [/Pipeline not available/i, /name '(h_init|h_save|hifa?_\w+)' is not defined/, /No module named 'pipeline'/],
  },
  {
    errorClass: ErrorClass.DiskFull,
    message: "the disk is full",
    patterns: [/No space left on device/i, /not enough free disk space/i, /Disk quota exceeded/i],
  },
  {
    errorClass: ErrorClass.Memory,
    message: "the step ran out of memory",
    patterns: [/std::bad_alloc/, /\bMemoryError\b/, /Cannot allocate memory/i, /OUT_OF_MEMORY/, /oom-kill/i, /OOM killer/, /Out of memory/i],
  },
  {
    errorClass: ErrorClass.EmptySelection,
    message: "the data selection is empty (no visibilities)",
    patterns: [
      /MSSelectionNullSelection/,
      /The selected table has zero rows/i,
      /Data selection ended with 0 rows/i,
      /NRows selected\s*:\s*0\b/,
      /Spw Expression: No match found/,
      /Field Expression: No match found/,
      /No valid SPW & Chan combination/,
      /no science target/i,
    ],
  },
  {
    errorClass: ErrorClass.MissingData,
    message: "input data are missing",
    patterns: [/ERROR: No ASDM found/, /ERROR: No raw directory/i, /ERROR: .* (was not created|not found)/, /No such file or directory/],
  },
  {
    errorClass: ErrorClass.Crash,
    message: "CASA crashed",
    // A cluster node that failed under the job (Slurm's NODE_FAIL) is as transient as a crash.
    patterns: [/Segmentation fault/i, /core dumped/i, /Fatal Python error/, /\bAborted\b/, /\b(NODE|BOOT)_FAIL\b/],
  },
  {
    errorClass: ErrorClass.MeasuresData,
    message: "CASA's measures data are missing or out of range",
    patterns: [/measures data is not available/i, /outside the range of the IERS/i, /AutoUpdatesNotAllowed/],
  },
];

const CRASH_SIGNALS = new Set(["SIGSEGV", "SIGABRT", "SIGBUS", "SIGILL", "SIGFPE"]);

function firstMatch(lines: readonly LogLine[], patterns: readonly RegExp[]): LogLine | undefined {
  for (const line of lines) {
    if (HARMLESS.some((h) => h.test(line.text))) continue;
    if (patterns.some((p) => p.test(line.text))) return line;
  }
  return undefined;
}

/** The last line that says something went wrong, for failures no rule explains. */
function lastProblemLine(lines: readonly LogLine[]): LogLine | undefined {
  const problem = /\bSEVERE\b|^ERROR|Error:|Exception|Traceback|exits with a non-zero status/;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (problem.test(line.text) && !HARMLESS.some((h) => h.test(line.text))) return line;
  }
  return undefined;
}

export function classifyFailure(evidence: FailureEvidence): StepFailure {
  const status = evidence.signal ? `killed by ${evidence.signal}` : `exit code ${String(evidence.exitCode)}`;
  if (evidence.timedOut) {
    return { errorClass: ErrorClass.TimeLimit, message: `the step exceeded its time limit (${status})` };
  }
  for (const rule of RULES) {
    const hit = firstMatch(evidence.lines, rule.patterns);
    if (hit) {
      return { errorClass: rule.errorClass, message: `${rule.message} (${status})`, evidenceLine: hit.text.trim(), evidenceFile: hit.file };
    }
  }
  // A process killed by the kernel's OOM killer leaves no line of its own.
  if (evidence.signal === "SIGKILL" || evidence.exitCode === 137) {
    return { errorClass: ErrorClass.Memory, message: `the step was killed, as the out-of-memory killer does (${status})` };
  }
  if ((evidence.signal && CRASH_SIGNALS.has(evidence.signal)) || evidence.exitCode === 139 || evidence.exitCode === 134) {
    return { errorClass: ErrorClass.Crash, message: `CASA crashed (${status})` };
  }
  const last = lastProblemLine(evidence.lines);
  return {
    errorClass: ErrorClass.Unknown,
    message: `the step failed for a reason no rule knows (${status})`,
    ...(last && { evidenceLine: last.text.trim(), evidenceFile: last.file }),
  };
}

/** Splits file contents into classifier lines, keeping the file each came from. */
export function toLogLines(file: string, text: string): LogLine[] {
  return text.split(/\r?\n/).filter((t) => t.length > 0).map((t) => ({ file, text: t }));
}
