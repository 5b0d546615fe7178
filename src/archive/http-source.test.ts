import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tar from "tar";
import { ErrorCode, ReimageError, type MousFileId } from "../domain/index.js";
import { startArchiveServer, type ArchiveServer, type ServedRequest } from "./http-server.js";
import { DownloadError, HttpArchiveSource, backoffDelay, type HttpArchiveSourceOptions, type RetryEvent } from "./http-source.js";
import { fetchMarkerPath, type FetchProgress } from "./sources.js";
import { packDelivery } from "./tar.js";

const PROJECT = "2017.1.01185.S";
const MOUS = "uid___A001_X12a3_Xe9" as MousFileId;
const TAR = `${PROJECT}_${MOUS}_001_of_001.tar`;
const MEMBER = join(PROJECT, "science_goal.uid___A001_X12a3_Xe5", "group.uid___A001_X12a3_Xe6", `member.${MOUS}`);
const ASDM_BYTES = 600_000;

// Fast back-off, so retries cost milliseconds; the policy's shape is what is under test.
const FAST: HttpArchiveSourceOptions = { retry: { maxAttempts: 4, baseDelayMs: 2, maxDelayMs: 20 }, random: () => 0.5 };

interface Fixture {
  readonly dir: string;
  readonly server: ArchiveServer;
  /** The tar as the server holds it. */
  readonly tar: Buffer;
  readonly dest: string;
}

/** A one-MOUS archive folder (`request-handler/<tar>`) with a delivery tree packed as the demo archive packs it, served on 127.0.0.1. */
async function withArchive(fn: (f: Fixture) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "reimage-http-"));
  try {
    const member = join(dir, "staging", MEMBER);
    await mkdir(join(member, "script"), { recursive: true });
    await mkdir(join(member, "raw", "uid___A002_Xd28a9e_X71b8.asdm.sdm"), { recursive: true });
    await writeFile(join(member, "script", "scriptForPI.py"), "# scriptForPI\n");
    await writeFile(join(member, "raw", "uid___A002_Xd28a9e_X71b8.asdm.sdm", "Main.bin"), randomBytes(ASDM_BYTES));
    const [part] = await packDelivery(join(dir, "staging", PROJECT), MOUS, join(dir, "archive", "request-handler"));
    assert.ok(part !== undefined);
    const server = await startArchiveServer({ dir: join(dir, "archive") });
    try {
      await fn({ dir, server, tar: await readFile(part.path), dest: join(dir, "work", "delivery") });
    } finally {
      await server.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function fileRequests(server: ArchiveServer): Promise<ServedRequest[]> {
  await server.settled();
  return server.requests.filter((r) => r.url.startsWith("/dataPortal/"));
}
const ref = { projectCode: PROJECT, mous: MOUS };

test("a fetch lists the MOUS, reads its DataLink answer, downloads the tar and unpacks the delivery", async () => {
  await withArchive(async ({ server, tar, dest }) => {
    const source = new HttpArchiveSource(server.url, { ...FAST, keepDownloads: true });
    assert.deepEqual(await source.listMous(), [ref]);

    const progress: FetchProgress[] = [];
    const fetched = await source.fetch(ref, dest, (p) => progress.push(p));

    assert.equal(fetched.reused, false);
    assert.equal(fetched.memberDir, join(dest, MEMBER));
    assert.deepEqual(fetched.from, [`${server.url}dataPortal/${TAR}`]);
    assert.equal(await readFile(join(fetched.memberDir, "script", "scriptForPI.py"), "utf8"), "# scriptForPI\n");
    assert.equal((await stat(join(fetched.memberDir, "raw", "uid___A002_Xd28a9e_X71b8.asdm.sdm", "Main.bin"))).size, ASDM_BYTES);
    assert.ok((await readFile(join(dest, "downloads", TAR))).equals(tar));
    assert.ok(existsSync(fetchMarkerPath(dest, MOUS)));

    const downloads = progress.filter((p) => p.phase === "download");
    assert.deepEqual(downloads.at(-1), { mous: MOUS, phase: "download", item: TAR, bytesDone: tar.length, bytesTotal: tar.length });
    assert.ok(progress.some((p) => p.phase === "unpack"));
    // One index, one DataLink answer, one whole-file GET.
    await server.settled();
    assert.deepEqual(
      server.requests.map((r) => [r.url.split("?")[0], r.status, r.range]),
      [["/mous-index.json", 200, undefined], ["/datalink/sync", 200, undefined], [`/dataPortal/${TAR}`, 200, undefined]],
    );
  });
});

test("without keepDownloads the tar is removed once the delivery is unpacked", async () => {
  await withArchive(async ({ server, dest }) => {
    const fetched = await new HttpArchiveSource(server.url, FAST).fetch(ref, dest);
    assert.ok(existsSync(join(fetched.memberDir, "script", "scriptForPI.py")));
    assert.equal(existsSync(join(dest, "downloads")), false);
  });
});

test("a connection cut half-way is resumed with a Range request and ends byte-identical", async () => {
  await withArchive(async ({ server, tar, dest }) => {
    const half = Math.floor(tar.length / 2);
    server.setFaults({ cutAfterBytes: { bytes: half } });
    const retries: RetryEvent[] = [];
    const source = new HttpArchiveSource(server.url, { ...FAST, keepDownloads: true, onRetry: (e) => retries.push(e) });

    await source.fetch(ref, dest);

    const [first, second, ...more] = await fileRequests(server);
    assert.deepEqual(more, []);
    assert.deepEqual([first?.status, first?.cut, first?.bytesSent], [200, true, half]);
    assert.deepEqual([second?.status, second?.range, second?.bytesSent], [206, `bytes=${half}-`, tar.length - half]);
    assert.ok((await readFile(join(dest, "downloads", TAR))).equals(tar));
    assert.equal(existsSync(join(dest, "downloads", `${TAR}.part`)), false);
    assert.equal(retries.length, 1);
    assert.equal(retries[0]?.error.retryable, true);
  });
});

test("503 answers are retried with growing back-off until the file comes", async () => {
  await withArchive(async ({ server, tar, dest }) => {
    server.setFaults({ failStatus: { status: 503, times: 2 } });
    const retries: RetryEvent[] = [];
    const source = new HttpArchiveSource(server.url, {
      retry: { maxAttempts: 4, baseDelayMs: 2, maxDelayMs: 50 },
      random: () => 0.5,
      keepDownloads: true,
      onRetry: (e) => retries.push(e),
    });

    await source.fetch(ref, dest);

    assert.deepEqual((await fileRequests(server)).map((r) => r.status), [503, 503, 200]);
    assert.deepEqual(retries.map((r) => [r.failures, r.error.status]), [[1, 503], [2, 503]]);
    // The server's Retry-After (1 s) is heeded only up to the policy's cap.
    assert.deepEqual(retries.map((r) => r.delayMs), [50, 50]);
    assert.ok((await readFile(join(dest, "downloads", TAR))).equals(tar));
  });
});

test("back-off doubles per failure, is capped, and its jitter spans the upper half", () => {
  const policy = { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 1_000 };
  assert.deepEqual([1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy, () => 0)), [50, 100, 200, 400, 500]);
  assert.deepEqual([1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy, () => 0.999999)), [100, 200, 400, 800, 1_000]);
});

test("a 404 fails at once, naming the URL and the status", async () => {
  await withArchive(async ({ server, dest }) => {
    server.setFaults({ failStatus: { status: 404, times: 1 } });
    const source = new HttpArchiveSource(server.url, FAST);

    await assert.rejects(source.fetch(ref, dest), (err: unknown) => {
      assert.ok(err instanceof DownloadError);
      assert.equal(err.code, ErrorCode.ArchiveDownload);
      assert.equal(err.status, 404);
      assert.equal(err.retryable, false);
      assert.equal(err.url, `${server.url}dataPortal/${TAR}`);
      assert.match(err.message, /dataPortal\/2017\.1\.01185\.S_uid___A001_X12a3_Xe9_001_of_001\.tar: the server answered 404/);
      return true;
    });
    assert.equal((await fileRequests(server)).length, 1);
    assert.equal(existsSync(fetchMarkerPath(dest, MOUS)), false);
  });
});

test("a file whose size differs from the archive's content_length is refused, and not retried", async () => {
  await withArchive(async ({ server, tar, dest }) => {
    server.setFaults({ misstateLength: 1_000 });
    const source = new HttpArchiveSource(server.url, FAST);

    await assert.rejects(source.fetch(ref, dest), (err: unknown) => {
      assert.ok(err instanceof DownloadError);
      assert.equal(err.retryable, false);
      assert.match(err.message, new RegExp(`offers ${tar.length} bytes but the archive lists ${tar.length + 1_000}`));
      return true;
    });
    assert.equal((await fileRequests(server)).length, 1);
    assert.deepEqual(await readdir(join(dest, "downloads")), []);
  });
});

test("a response that always ends early is given up on after maxAttempts attempts without progress", async () => {
  await withArchive(async ({ server, dest }) => {
    server.setFaults({ cutAfterBytes: { bytes: 0, times: 100 } });
    const source = new HttpArchiveSource(server.url, FAST);

    await assert.rejects(source.fetch(ref, dest), (err: unknown) => {
      assert.ok(err instanceof DownloadError);
      assert.match(err.message, /gave up after 4 attempt\(s\) without progress/);
      assert.ok(err.cause instanceof DownloadError);
      return true;
    });
    assert.equal((await fileRequests(server)).length, 4);
    assert.equal(existsSync(join(dest, "downloads", TAR)), false);
  });
});

test("a corrupted body fails the server's SHA-256 and is downloaded again from the start", async () => {
  await withArchive(async ({ server, tar, dest }) => {
    server.setFaults({ corruptBody: { times: 1 } });
    const retries: RetryEvent[] = [];
    const source = new HttpArchiveSource(server.url, { ...FAST, keepDownloads: true, onRetry: (e) => retries.push(e) });

    await source.fetch(ref, dest);

    assert.deepEqual((await fileRequests(server)).map((r) => [r.status, r.range, r.bytesSent]), [[200, undefined, tar.length], [200, undefined, tar.length]]);
    assert.match(retries[0]?.error.message ?? "", /SHA-256 [0-9a-f]{64} differs from the server's/);
    assert.ok((await readFile(join(dest, "downloads", TAR))).equals(tar));
  });
});

test("a cancelled fetch stops mid-download, and the next fetch resumes from its part file", async () => {
  await withArchive(async ({ server, tar, dest }) => {
    const source = new HttpArchiveSource(server.url, { ...FAST, keepDownloads: true });
    const controller = new AbortController();
    const onProgress = (p: FetchProgress): void => {
      if (p.phase === "download" && p.bytesDone > 0) controller.abort(new Error("stop"));
    };

    await assert.rejects(source.fetch(ref, dest, onProgress, { signal: controller.signal }), (err: unknown) => {
      assert.ok(err instanceof ReimageError);
      assert.equal(err.code, ErrorCode.Cancelled);
      return true;
    });
    assert.equal((await fileRequests(server)).length, 1);
    assert.equal(existsSync(fetchMarkerPath(dest, MOUS)), false);
    assert.equal(existsSync(join(dest, MEMBER)), false);
    const partial = (await stat(join(dest, "downloads", `${TAR}.part`))).size;
    assert.ok(partial > 0 && partial < tar.length, `${partial} of ${tar.length} bytes`);

    await source.fetch(ref, dest);
    assert.equal((await fileRequests(server))[1]?.range, `bytes=${partial}-`);
    assert.ok((await readFile(join(dest, "downloads", TAR))).equals(tar));
  });
});

test("a second fetch reuses the finished one without a request", async () => {
  await withArchive(async ({ server, dest }) => {
    const first = await new HttpArchiveSource(server.url, FAST).fetch(ref, dest);
    await server.settled();
    const requests = server.requests.length;

    const second = await new HttpArchiveSource(server.url, FAST).fetch(ref, dest);

    assert.equal(second.reused, true);
    assert.equal(second.memberDir, first.memberDir);
    await server.settled();
    assert.equal(server.requests.length, requests);
  });
});

test("a MOUS the archive does not have is a bad input, not a download failure", async () => {
  await withArchive(async ({ server, dest }) => {
    const source = new HttpArchiveSource(server.url, FAST);
    await assert.rejects(source.fetch({ projectCode: PROJECT, mous: "uid___A001_X12a3_X1" as MousFileId }, dest), (err: unknown) => {
      assert.ok(err instanceof ReimageError);
      assert.equal(err.code, ErrorCode.BadInput);
      assert.match(err.message, /uid___A001_X12a3_X1 is not in HTTP archive http:\/\/127\.0\.0\.1:\d+\//);
      return true;
    });
  });
});

test("a MOUS packaged as the real archive does: the auxiliary and raw tars are downloaded, the product tar is not", async () => {
  const dir = await mkdtemp(join(tmpdir(), "reimage-http-real-"));
  try {
    const rh = join(dir, "archive", "request-handler");
    const eb = "uid___A002_Xd28a9e_X71b8";
    const aux = join(dir, "aux", MEMBER);
    await mkdir(join(aux, "script"), { recursive: true });
    await writeFile(join(aux, "script", "scriptForPI.py"), "# scriptForPI\n");
    const [auxPart] = await packDelivery(join(dir, "aux", PROJECT), MOUS, join(dir, "packed-aux"));
    assert.ok(auxPart !== undefined);
    await mkdir(rh, { recursive: true });
    await rename(auxPart.path, join(rh, `${PROJECT}_${MOUS}_auxiliary.tar`));
    const product = join(dir, "product", MEMBER);
    await mkdir(join(product, "product"), { recursive: true });
    await writeFile(join(product, "product", "cube.fits"), randomBytes(50_000));
    await packDelivery(join(dir, "product", PROJECT), MOUS, rh);
    const raw = join(dir, "raw", MEMBER, "raw", `${eb}.asdm.sdm`);
    await mkdir(raw, { recursive: true });
    await writeFile(join(raw, "ASDM.xml"), "<ASDM/>");
    // Raw ASDM tars name only their EB; the server finds their MOUS from the first member.
    await tar.create({ file: join(rh, `${PROJECT}_${eb}.asdm.sdm.tar`), cwd: join(dir, "raw"), portable: true }, [PROJECT]);

    const server = await startArchiveServer({ dir: join(dir, "archive") });
    try {
      const dest = join(dir, "work");
      const fetched = await new HttpArchiveSource(server.url, FAST).fetch(ref, dest);

      assert.equal(await readFile(join(fetched.memberDir, "script", "scriptForPI.py"), "utf8"), "# scriptForPI\n");
      assert.equal(await readFile(join(fetched.memberDir, "raw", `${eb}.asdm.sdm`, "ASDM.xml"), "utf8"), "<ASDM/>");
      assert.equal(existsSync(join(fetched.memberDir, "product")), false);
      assert.deepEqual(
        (await fileRequests(server)).map((r) => r.url),
        [`/dataPortal/${PROJECT}_${MOUS}_auxiliary.tar`, `/dataPortal/${PROJECT}_${eb}.asdm.sdm.tar`],
      );
    } finally {
      await server.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
