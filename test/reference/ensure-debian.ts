/**
 * Debian packages the tests need (Chromium for the browser tests, xmllint for schema
 * validation), installed with apt-get when missing: CI runs on a fresh machine as root.
 * Without root and without the package, the test fails saying what to install; it is
 * never skipped.
 */
import { execFile } from "node:child_process";
import { access, constants } from "node:fs/promises";
import { ErrorCode, ReimageError } from "../../src/domain/index.js";

function run(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { shell: false, timeout: 15 * 60 * 1000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } }, (error, stdout, stderr) => {
      if (error !== null) reject(new ReimageError(ErrorCode.ProcessFailed, `${command} ${args.join(" ")} failed: ${stderr.slice(-1500)}`, { cause: error }));
      else resolve(stdout);
    });
  });
}

async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

let updated = false;

/** The path of `binary` (under /usr/bin), installing Debian's `pkg` first if it is missing. */
export async function ensureDebianBinary(binary: string, pkg: string): Promise<string> {
  const path = `/usr/bin/${binary}`;
  if (await executable(path)) return path;
  if (process.getuid?.() !== 0) {
    throw new ReimageError(ErrorCode.BadInput, `${path} is missing and this test is not root: install it with \`apt-get install ${pkg}\``);
  }
  if (!updated) {
    await run("apt-get", ["update", "-qq"]);
    updated = true;
  }
  await run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", pkg]);
  if (!(await executable(path))) throw new ReimageError(ErrorCode.BadInput, `apt-get installed ${pkg}, but ${path} is still missing`);
  return path;
}
