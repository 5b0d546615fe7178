/**
 * Sequential byte sources over a FITS file: a plain file (which can also seek) or a gzip
 * stream decompressed on the fly, so a `.fits.gz` never lands on disk or in memory whole.
 */
import { createReadStream } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { pipeline, type Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { ErrorCode, ReimageError, coerceError } from "../domain/index.js";

export interface ByteSource {
  readonly path: string;
  readonly compressed: boolean;
  /** Bytes consumed so far (decompressed bytes for gzip). */
  readonly position: number;
  /** Fills `target` from the current position; returns how many bytes it got (fewer at the end). */
  readInto(target: Uint8Array): Promise<number>;
  /** Moves forward by up to `count` bytes; returns how many it passed (fewer at the end). */
  skip(count: number): Promise<number>;
  close(): Promise<void>;
}

class FileSource implements ByteSource {
  readonly compressed = false;
  position = 0;
  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  async readInto(target: Uint8Array): Promise<number> {
    let filled = 0;
    while (filled < target.length) {
      const { bytesRead } = await this.handle.read(target, filled, target.length - filled, this.position + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    this.position += filled;
    return filled;
  }

  skip(count: number): Promise<number> {
    const passed = Math.max(0, Math.min(count, this.size - this.position));
    this.position += passed;
    return Promise.resolve(passed);
  }

  async readAt(target: Uint8Array, position: number): Promise<number> {
    let filled = 0;
    while (filled < target.length) {
      const { bytesRead } = await this.handle.read(target, filled, target.length - filled, position + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

class GunzipSource implements ByteSource {
  readonly compressed = true;
  position = 0;
  private readonly stream: Readable;
  private readonly chunks: AsyncIterator<unknown>;
  private pending: Uint8Array = new Uint8Array(0);
  private pendingOffset = 0;
  private ended = false;

  constructor(readonly path: string) {
    // pipeline() forwards a read error or a gzip error to the last stream, hence to our iterator.
    this.stream = pipeline(createReadStream(path), createGunzip(), () => undefined);
    this.chunks = this.stream[Symbol.asyncIterator]();
  }

  private async refill(): Promise<boolean> {
    if (this.ended) return false;
    let next: IteratorResult<unknown>;
    try {
      next = await this.chunks.next();
    } catch (caught) {
      this.ended = true;
      throw new ReimageError(
        ErrorCode.BadFits,
        `${this.path}: the gzip stream is damaged or cut short after ${this.position + (this.pending.length - this.pendingOffset)} decompressed bytes`,
        { cause: coerceError(caught) },
      );
    }
    if (next.done === true) {
      this.ended = true;
      return false;
    }
    this.pending = next.value instanceof Uint8Array ? next.value : new Uint8Array(0);
    this.pendingOffset = 0;
    return true;
  }

  private async take(count: number, target: Uint8Array | undefined): Promise<number> {
    let done = 0;
    while (done < count) {
      if (this.pendingOffset >= this.pending.length) {
        if (!(await this.refill())) break;
        continue;
      }
      const n = Math.min(count - done, this.pending.length - this.pendingOffset);
      target?.set(this.pending.subarray(this.pendingOffset, this.pendingOffset + n), done);
      this.pendingOffset += n;
      done += n;
    }
    this.position += done;
    return done;
  }

  readInto(target: Uint8Array): Promise<number> {
    return this.take(target.length, target);
  }

  skip(count: number): Promise<number> {
    return this.take(count, undefined);
  }

  async close(): Promise<void> {
    this.ended = true;
    await this.chunks.return?.();
    this.stream.destroy();
  }
}

export type SeekableSource = ByteSource & { readonly size: number; readAt(target: Uint8Array, position: number): Promise<number> };

export function isSeekable(source: ByteSource): source is SeekableSource {
  return source instanceof FileSource;
}

/** Opens `path`, choosing gzip by its magic bytes (1f 8b), not by its name. */
export async function openByteSource(path: string): Promise<ByteSource> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (caught) {
    throw new ReimageError(ErrorCode.BadInput, `${path}: cannot open the FITS file`, { cause: coerceError(caught) });
  }
  const magic = new Uint8Array(2);
  const { bytesRead } = await handle.read(magic, 0, 2, 0);
  if (bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b) {
    await handle.close();
    return new GunzipSource(path);
  }
  const { size } = await handle.stat();
  return new FileSource(path, handle, size);
}
