/** Step 1: the delivery from the archive onto this machine, unpacked safely. */
import { join } from "node:path";
import { ErrorClass } from "../../domain/campaign.js";
import { ErrorCode, ReimageError } from "../../domain/errors.js";
import type { ArchiveSource } from "../../archive/sources.js";
import type { StepRunner } from "../engine.js";
import { failure, mousFileId } from "./common.js";

export function fetchStep(source: ArchiveSource): StepRunner {
  return async (ctx) => {
    const mous = mousFileId(ctx);
    const destDir = join(ctx.mousDir, "delivery");
    let lastReport = 0;
    try {
      const fetched = await source.fetch(
        { projectCode: ctx.step.projectCode, mous },
        destDir,
        (p) => {
          if (Date.now() - lastReport < 2000) return;
          lastReport = Date.now();
          ctx.emit(`${p.phase} ${p.item}: ${(p.bytesDone / 1e6).toFixed(0)}/${(p.bytesTotal / 1e6).toFixed(0)} MB`);
        },
        { signal: ctx.signal },
      );
      return {
        state: "succeeded",
        outputs: { deliveryDir: fetched.destDir, memberDir: fetched.memberDir, bytes: fetched.bytes, from: fetched.from, source: source.name },
      };
    } catch (caught) {
      if (caught instanceof ReimageError && (caught.code === ErrorCode.UnsafeArchive || caught.code === ErrorCode.BadInput)) {
        return { state: "failed", failure: failure(ErrorClass.MissingData, caught.message) };
      }
      throw caught;
    }
  };
}
