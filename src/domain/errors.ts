/**
 * Typed failures. Each carries a stable `code` that survives a process boundary (it is what
 * the store records and what retry policies decide on) and says whether retrying can help.
 * Never decide from `message` text.
 */
export const ErrorCode = {
  BadInput: "bad-input",
  CasaMissing: "casa-missing",
  CasaSetupFailed: "casa-setup-failed",
  /** A folder that should list CASA runtimes exists but cannot be read. */
  CasaRuntimeUnreadable: "casa-runtime-unreadable",
  /** A process could not be started at all (missing executable, bad working folder). */
  ProcessStartFailed: "process-start-failed",
  ProcessFailed: "process-failed",
  TimeLimit: "time-limit",
  Cancelled: "cancelled",
  Archive: "archive",
  /** An HTTP download from the archive failed; `retryable` says whether a later try can help. */
  ArchiveDownload: "archive-download",
  /** A tar member would land outside its target folder, or is a device or fifo. */
  UnsafeArchive: "unsafe-archive",
  Store: "store",
  /** A worker's run was taken for dead (its heartbeat went stale) and its steps handed to another. */
  LeaseLost: "lease-lost",
  /** A FITS file is damaged or uses something we cannot read; the message names the file and the place. */
  BadFits: "bad-fits",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class ReimageError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  constructor(code: ErrorCode, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ReimageError";
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** Turns whatever a `catch` caught into an Error, keeping the original as its cause. */
export function coerceError(caught: unknown): Error {
  if (caught instanceof Error) return caught;
  return new Error(typeof caught === "string" ? caught : JSON.stringify(caught), { cause: caught });
}
