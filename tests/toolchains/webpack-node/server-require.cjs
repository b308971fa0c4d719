// Server code that requires ossup, bundled by webpack: uploads the file named on the command line.
const { createUploader } = require('ossup');

const { BUCKET, REGION, ENDPOINT, STS } = process.env;
createUploader({
  bucket: BUCKET,
  region: REGION,
  endpoint: ENDPOINT,
  keyPrefix: 'webpack-require',
  credentials: async () => JSON.parse(STS),
})
  .upload(process.argv[2])
  .then(([r]) =>
    console.log(
      JSON.stringify({ status: r.status, key: r.key, integrity: r.integrity, error: r.error && r.error.message }),
    ),
  );
