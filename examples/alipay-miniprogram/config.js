// Where your app server (examples/server) answers POST /api/upload-form. Alipay requires
// https in production (my.uploadFile error 20 over http): use your server's https address,
// and add it and the bucket's address to the server whitelist (open.alipay.com → your mini
// program → Development settings → Server domain whitelist).
module.exports = {
  apiBase: 'http://127.0.0.1:3000',
};
