// Diagnostic: our WeChat entry tree-shaken to what a page posting a form with STS credentials
// calls itself (ready, objectKey, buildPostForm, crc64), without the uploader.
export { ready, objectKey, buildPostForm, crc64 } from 'ossup-pkg/src/entry-miniprogram.js';
