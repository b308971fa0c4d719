// The signing clock, shared by both cores: `Date.now()` corrected by an offset learned from a
// server `Date` header (the uploader sets it after RequestTimeTooSkewed).
import { OssupError } from './errors.js';

let clockOffsetMs = 0;

/** Sets the offset added to `Date.now()` when signing (learned from a server `Date` header). */
export function setClockOffset(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms))
    throw new OssupError('INVALID_OPTION', 'setClockOffset expects milliseconds');
  clockOffsetMs = Math.round(ms);
}

/** The signing clock: `Date.now()` corrected by `setClockOffset`. */
export function now() {
  return Date.now() + clockOffsetMs;
}
