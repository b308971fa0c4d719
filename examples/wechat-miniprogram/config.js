// Where your app server (examples/server) answers POST /api/upload-form. In the developer tools
// 127.0.0.1 works with "Does not verify valid domain names" ticked (project.config.json:
// urlCheck false); on a phone use your server's https address and add it to the request legal
// domains, and the bucket's address to the uploadFile legal domains (mp.weixin.qq.com →
// Development → Development Settings → Server Domain).
module.exports = {
  apiBase: 'http://127.0.0.1:3000',
};
