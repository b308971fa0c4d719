// uni-app's build, plus ossup/uni: `import … from 'ossup'` then gets the right build on every
// target (mp-weixin, mp-toutiao: WXWebAssembly/TTWebAssembly with ossup.wasm.br written into
// the output; mp-alipay: the pure-JS core; h5: the browser build) without #ifdef.
import { defineConfig } from 'vite';
import uni from '@dcloudio/vite-plugin-uni';
import ossup from 'ossup/uni';

export default defineConfig({
  plugins: [uni(), ossup()],
});
