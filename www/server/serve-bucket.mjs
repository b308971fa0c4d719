#!/usr/bin/env node
// Run the local bucket server by hand (demo, manual testing):
//   node www/server/serve-bucket.mjs [--port 9000] [--host 127.0.0.1] [--root .data/bucket]
//                                    [--bucket ossup-local] [--region cn-hangzhou] [--test-mode] [--quiet]

import { parseArgs } from 'node:util';
import { DEFAULT_ACCESS_KEYS, startBucketServer } from './bucket.mjs';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '9000' },
    host: { type: 'string', default: '127.0.0.1' },
    root: { type: 'string', default: '.data/bucket' },
    bucket: { type: 'string', default: 'ossup-local' },
    region: { type: 'string', default: 'cn-hangzhou' },
    'test-mode': { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});

const server = await startBucketServer({
  root: values.root,
  host: values.host,
  port: Number(values.port),
  bucket: values.bucket,
  region: values.region,
  testMode: values['test-mode'],
  log: !values.quiet,
});

const [accessKeyId, accessKeySecret] = Object.entries(DEFAULT_ACCESS_KEYS)[0];
console.log(`ossup local bucket "${server.bucket}" (${server.region}) at ${server.url}, files in ${server.root}`);
console.log(
  `fake permanent key: ${accessKeyId} / ${accessKeySecret}${values['test-mode'] ? '; test API at /__ossup_test/' : ''}`,
);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await server.close();
    process.exit(0);
  });
}
