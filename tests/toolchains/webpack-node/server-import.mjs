// Server code that imports ossup, bundled by webpack: uploads the file named on the command line.
import { createUploader } from 'ossup';

const { BUCKET, REGION, ENDPOINT, STS } = process.env;
const [r] = await createUploader({
  bucket: BUCKET,
  region: REGION,
  endpoint: ENDPOINT,
  keyPrefix: 'webpack-import',
  credentials: async () => JSON.parse(STS),
}).upload(process.argv[2]);
console.log(
  JSON.stringify({ status: r.status, key: r.key, integrity: r.integrity, error: r.error && r.error.message }),
);
