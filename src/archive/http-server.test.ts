import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MousFileId } from "../domain/index.js";
import { parseDataLink } from "./datalink.js";
import { startArchiveServer, type ArchiveServer } from "./http-server.js";
import { packDelivery } from "./tar.js";

const PROJECT = "2017.1.01185.S";
const MOUS = "uid___A001_X12a3_Xe9" as MousFileId;
const TAR = `${PROJECT}_${MOUS}_001_of_001.tar`;
const README = `member.${MOUS}.README.txt`;

/** A demo-archive-like folder: `request-handler/` with one MOUS tar and its README, plus a file that must not be served. */
async function withServer(fn: (server: ArchiveServer, tar: Buffer) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "reimage-http-server-"));
  try {
    const member = join(dir, "staging", PROJECT, "science_goal.uid___A001_X12a3_Xe5", "group.uid___A001_X12a3_Xe6", `member.${MOUS}`);
    await mkdir(join(member, "script"), { recursive: true });
    await writeFile(join(member, "script", "scriptForPI.py"), "# scriptForPI\n".repeat(500));
    const [part] = await packDelivery(join(dir, "staging", PROJECT), MOUS, join(dir, "archive", "request-handler"));
    assert.ok(part !== undefined);
    await writeFile(join(dir, "archive", "request-handler", README), "README\n");
    await writeFile(join(dir, "archive", "archive.json"), "{}\n");
    const server = await startArchiveServer({ dir: join(dir, "archive") });
    try {
      await fn(server, await readFile(part.path));
    } finally {
      await server.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A GET with the path sent exactly as written (fetch() would normalise `..` away). */
async function rawGet(server: ArchiveServer, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolvePromise, reject) => {
    const req = request({ host: "127.0.0.1", port: server.port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

test("the server listens on 127.0.0.1 on a port the OS chose, and lists its MOUS in the index", async () => {
  await withServer(async (server) => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.ok(server.port > 0);
    const index: unknown = await (await fetch(server.indexUrl)).json();
    assert.deepEqual(index, {
      format: "reimage-mous-index/1",
      mous: [{ projectCode: PROJECT, mousUid: "uid://A001/X12a3/Xe9", mous: MOUS, datalink: "datalink/sync?ID=uid%3A%2F%2FA001%2FX12a3%2FXe9" }],
    });
  });
});

test("its DataLink answer reads like the archive's: a #documentation row and a #this row with sizes", async () => {
  await withServer(async (server, tar) => {
    const url = `${server.url}datalink/sync?ID=${encodeURIComponent("uid://A001/X12a3/Xe9")}`;
    const res = await fetch(url);
    assert.equal(res.headers.get("content-type"), "application/x-votable+xml;content=datalink");
    const rows = parseDataLink(await res.text(), url);
    assert.deepEqual(
      rows.map((r) => [r.id, r.semantics, r.role, r.fileName, r.contentLength, r.contentType, r.readable]),
      [
        ["uid://A001/X12a3/Xe9", "#documentation", "readme", README, 7, "text/plain", true],
        ["uid://A001/X12a3/Xe9", "#this", "product", TAR, tar.length, "application/x-tar", true],
      ],
    );
    assert.equal(rows[1]?.accessUrl, `${server.url}dataPortal/${TAR}`);

    const unknown = parseDataLink(await (await fetch(`${server.url}datalink/sync?ID=uid://A001/X1/X2`)).text(), "unknown");
    assert.deepEqual(unknown.map((r) => [r.id, r.errorMessage, r.accessUrl]), [["uid://A001/X1/X2", "NotFoundFault: uid://A001/X1/X2", undefined]]);
  });
});

test("a tar is served whole or by range, with its SHA-256 as Repr-Digest", async () => {
  await withServer(async (server, tar) => {
    const whole = await rawGet(server, `/dataPortal/${TAR}`);
    assert.equal(whole.status, 200);
    assert.ok(whole.body.equals(tar));
    assert.equal(whole.headers["accept-ranges"], "bytes");
    assert.equal(whole.headers["repr-digest"], `sha-256=:${createHash("sha256").update(tar).digest("base64")}:`);

    const tail = await rawGet(server, `/dataPortal/${TAR}`, { Range: "bytes=1000-" });
    assert.equal(tail.status, 206);
    assert.equal(tail.headers["content-range"], `bytes 1000-${tar.length - 1}/${tar.length}`);
    assert.ok(tail.body.equals(tar.subarray(1000)));

    const beyond = await rawGet(server, `/dataPortal/${TAR}`, { Range: `bytes=${tar.length}-` });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers["content-range"], `bytes */${tar.length}`);

    // An If-Range that no longer matches means "send it all".
    const stale = await rawGet(server, `/dataPortal/${TAR}`, { Range: "bytes=1000-", "If-Range": '"stale"' });
    assert.equal(stale.status, 200);
    assert.equal(stale.body.length, tar.length);
  });
});

test("paths outside the scanned tars are not served", async () => {
  await withServer(async (server) => {
    for (const path of ["/dataPortal/../archive.json", "/dataPortal/..%2Farchive.json", "/dataPortal/%2e%2e/%2e%2e/etc/passwd", "/archive.json", "/dataPortal/%E0%A4%A"]) {
      const res = await rawGet(server, path);
      assert.equal(res.status, 404, path);
      assert.doesNotMatch(res.body.toString(), /\{\}/, path);
    }
  });
});

test("faults count their uses: a 503 for the first K requests, a cut after N bytes once", async () => {
  await withServer(async (server, tar) => {
    server.setFaults({ failStatus: { times: 2 }, cutAfterBytes: { bytes: 100 } });
    assert.equal((await rawGet(server, `/dataPortal/${TAR}`)).status, 503);
    assert.equal((await rawGet(server, `/dataPortal/${TAR}`)).status, 503);
    // The client sees a body that ends before its Content-Length.
    await assert.rejects(rawGet(server, `/dataPortal/${TAR}`));
    await server.settled();
    assert.deepEqual(server.requests.map((r) => [r.status, r.cut, r.bytesSent]), [[503, false, 0], [503, false, 0], [200, true, 100]]);
    const whole = await rawGet(server, `/dataPortal/${TAR}`);
    assert.ok(whole.body.equals(tar));
  });
});
