// Everything the package exports on every platform. Platform entries (entry-*.js) add the
// loader for their platform and re-export this. The uploader gets header signing here (ossup/post
// leaves it out: header-signing.js).
import { installHeaderSigning } from './header-signing.js';
import * as requestSigning from './request-signing.js';
import * as multipart from './multipart.js';
import * as checkpoint from './checkpoint.js';
import * as vod from './vod.js';

installHeaderSigning({ ...requestSigning, ...multipart, ...checkpoint, ...vod });

export {
  ready,
  isReady,
  engine,
  now,
  setClockOffset,
  encodePolicy,
  buildPolicy,
  signPostPolicyV1,
  signPostPolicyV4,
  buildPostForm,
  signRequestV1,
  signRequestV4,
  explainRequestSignature,
  formatDates,
  encodeCallback,
  encodeCallbackVar,
  objectKey,
  validateKey,
  normalizePrefix,
  crc64,
  crc64Combine,
  createCrc64,
  md5Base64,
  md5Hex,
  createMd5,
  coreVersion,
} from './core.js';
export { OssupError } from './errors.js';
export { randomSource, setRandomSource } from './random.js';
export { createUploader } from './uploader.js';
export { signHeaders } from './request-signing.js';
export { bucketUrl, objectUrl } from './files.js';
export { VODUpload } from './vod-upload.js';
export { decodeUploadAddress, decodeUploadAuth } from './vod.js';
