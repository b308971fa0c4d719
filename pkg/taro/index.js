// ossup/taro: a Taro plugin (webpack 5). Taro bundles node_modules itself with browser
// resolve fields, so on its own `import … from 'ossup'` bundles the browser build into mini
// programs too, and nothing puts the core where WXWebAssembly/TTWebAssembly can load it. This
// plugin gives each TARO_ENV its build and writes that core into the output.
//
//   // config/index.js
//   export default defineConfig({ plugins: ['ossup/taro'], … });
'use strict';

const { kindOf, resolutions, coreFile } = require('../frameworks.cjs');

class OssupCorePlugin {
  constructor(table) {
    this.table = table;
  }

  apply(compiler) {
    const { RawSource } = compiler.webpack.sources;
    const { PROCESS_ASSETS_STAGE_ADDITIONAL } = compiler.webpack.Compilation;
    compiler.hooks.thisCompilation.tap('ossup', (compilation) => {
      compilation.hooks.processAssets.tap({ name: 'ossup', stage: PROCESS_ASSETS_STAGE_ADDITIONAL }, () => {
        const bundled = new Set();
        for (const module of compilation.modules) if (module.resource) bundled.add(module.resource);
        const needed = new Set();
        for (const target of Object.values(this.table))
          if (bundled.has(target.file)) for (const name of target.core) needed.add(name);
        for (const name of needed) {
          const { fileName, source } = coreFile(name);
          if (!compilation.getAsset(fileName)) compilation.emitAsset(fileName, new RawSource(source));
        }
      });
    });
  }
}

function ossupTaro(ctx) {
  ctx.modifyWebpackChain(({ chain }) => {
    const table = resolutions(kindOf('taro', process.env.TARO_ENV));
    for (const [specifier, target] of Object.entries(table)) chain.resolve.alias.set(`${specifier}$`, target.file);
    chain.plugin('ossup-core').use(OssupCorePlugin, [table]);
  });
}

module.exports = ossupTaro;
module.exports.default = ossupTaro;
module.exports.OssupCorePlugin = OssupCorePlugin;
