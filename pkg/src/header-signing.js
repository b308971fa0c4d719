// What the uploader does beyond one PostObject per file (multipart and its resume, VOD, the HEAD
// check after a lost response) all needs header signatures. index.js, which every full entry
// exports, installs those modules here; ossup/post (entry-post.js) does not import them, so its
// bundle holds none of that code and these stand-ins say what to use instead.
import { OssupError } from './errors.js';

const unavailable = (what) => () => {
  throw new OssupError(
    'NOT_IN_POST_ENTRY',
    `${what} needs header signatures, which ossup/post leaves out: import 'ossup' (or 'ossup/miniprogram') instead`,
  );
};

/** Whether this entry signs request headers (the uploader's multipart and HEAD paths). */
export let HEADER_SIGNING = false;
export let createSignedRequests = () => unavailable('a header-signed request');
export let uploadMultipart = unavailable('a multipart upload');
export let abortMultipart = unavailable('a multipart upload');
export let vodDestination = unavailable('a VOD upload (vodCredentials)');
/** No MD5 without the full core: a hidden CRC-64 header leaves a PostObject unverified. */
export let readMd5Hex = null;
/** No resumable multipart, so nothing to checkpoint. */
export let createCheckpointStore = () => ({});
export let memoryBackend = () => ({});

/** Called once by index.js with the real modules' functions. */
export function installHeaderSigning(modules) {
  ({
    createSignedRequests,
    uploadMultipart,
    abortMultipart,
    vodDestination,
    readMd5Hex,
    createCheckpointStore,
    memoryBackend,
  } = modules);
  HEADER_SIGNING = true;
}
