// The Taro template's config, plus one line for ossup: `plugins: ['ossup/taro']`.
const { defineConfig } = require('@tarojs/cli');

module.exports = defineConfig({
  projectName: 'ossup-taro-fixture',
  date: '2026-12-07',
  designWidth: 750,
  deviceRatio: { 640: 2.34 / 2, 750: 1, 375: 2, 828: 1.81 / 2 },
  sourceRoot: 'src',
  outputRoot: process.env.TARO_OUTPUT_ROOT || `dist/${process.env.TARO_ENV}`,
  plugins: ['ossup/taro'],
  framework: 'react',
  compiler: { type: 'webpack5', prebundle: { enable: false } },
  cache: { enable: false },
  mini: {},
  h5: { publicPath: './', staticDirectory: 'static', router: { mode: 'hash' } },
});
