// The app every browser fixture builds: it imports ossup the way README "Bundlers" says,
// and the test drives window.uploadOne to upload one file to the local bucket.
import { ready, createUploader } from 'ossup';

window.uploadOne = async ({ bucket, region, endpoint, sts, name, bytes }) => {
  await ready();
  const uploader = createUploader({ bucket, region, endpoint, keyPrefix: 'toolchains', credentials: async () => sts });
  const [result] = await uploader.upload(new File([new Uint8Array(bytes)], name));
  const { status, key, integrity, error } = result;
  return { status, key, integrity, error: error && `${error.code}: ${error.message}` };
};

ready().then(
  () => (document.body.dataset.ready = 'true'),
  (error) => (document.body.dataset.error = `${error.code}: ${error.message}`),
);
