// Where your app server (examples/server) answers POST /api/upload-form. For H5 started from
// another origin (the dev server), start the server with CORS_ORIGINS set to that origin. On
// mini programs use your server's https address and add it (and the bucket's address) to the
// platform's domain list.
export default {
  apiBase: 'http://127.0.0.1:3000',
};
