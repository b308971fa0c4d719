// What ossup/post leaves out, in place of ../multipart.js, ../checkpoint.js, ../vod.js and
// ../request-signing.js (scripts/build.mjs aliases them here for the post bundles): all of it
// needs header signatures, which the small core does not make. The uploader never calls these
// while HEADER_SIGNING is false; if something does, it gets an error that says what to use.
import { OssupError } from '../errors.js';

/** Whether this build signs request headers (the uploader's multipart and HEAD paths). */
export const HEADER_SIGNING = false;

const unavailable = (what) => () => {
  throw new OssupError(
    'NOT_IN_POST_ENTRY',
    `${what} needs header signatures, which ossup/post leaves out: import 'ossup' (or 'ossup/miniprogram') instead`,
  );
};

export const signHeaders = unavailable('signing request headers');
export const createSignedRequests = () => unavailable('a header-signed request');
export const uploadMultipart = unavailable('a multipart upload');
export const abortMultipart = unavailable('a multipart upload');
export const vodDestination = unavailable('a VOD upload (vodCredentials)');

/** No resumable multipart, so nothing to checkpoint. */
export function createCheckpointStore() {
  return {};
}
export function memoryBackend() {
  return {};
}
/** No MD5 in the small core: a hidden CRC-64 header leaves a PostObject unverified. */
export const readMd5Hex = null;
