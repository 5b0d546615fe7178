/** Option parsers shared by commands: a bad value is a clear error naming the flag. */
import { ErrorCode, ReimageError } from "../domain/errors.js";

export function wholeNumber(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < 1) {
      throw new ReimageError(ErrorCode.BadInput, `${flag} must be a whole number of at least 1, not "${v}"`);
    }
    return n;
  };
}
