// ossup/uni: a Vite plugin for uni-app (Vue 3). uni-app builds every target with Vite's
// browser resolve conditions, so on its own `import … from 'ossup'` bundles the browser build
// into mini programs too; this plugin gives each UNI_PLATFORM its build instead and writes the
// core a WeChat/Douyin build loads from the code package into the output (not into static/,
// whose place differs between the HBuilderX and CLI layouts and which every target copies).
//
//   // vite.config.js
//   import uni from '@dcloudio/vite-plugin-uni';
//   import ossup from 'ossup/uni';
//   export default defineConfig({ plugins: [uni(), ossup()] });
'use strict';

const { kindOf, resolutions, coreFile } = require('../frameworks.cjs');

function ossupUni() {
  let table = null;
  let kind = null;
  const needed = new Set();
  const lookup = () => {
    if (!table) {
      kind = kindOf('uni', process.env.UNI_PLATFORM);
      table = resolutions(kind);
    }
    return table;
  };
  return {
    name: 'ossup:uni',
    enforce: 'pre',
    config() {
      // Vite's dev server pre-bundles dependencies away from their .wasm (DESIGN-NOTES).
      return { optimizeDeps: { exclude: ['ossup'] } };
    },
    resolveId(source) {
      const target = lookup()[source];
      if (!target) return null;
      for (const name of target.core) needed.add(name);
      return target.file;
    },
    generateBundle() {
      for (const name of needed) this.emitFile({ type: 'asset', ...coreFile(name) });
    },
  };
}

module.exports = ossupUni;
module.exports.default = ossupUni;
