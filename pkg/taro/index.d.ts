/**
 * ossup/taro: a Taro plugin (webpack 5), named as a string in config/index.js:
 * `plugins: ['ossup/taro']`. Gives each TARO_ENV its build of ossup and writes the core
 * WeChat/Douyin load from the code package into the output.
 */
declare function ossupTaro(ctx: { modifyWebpackChain(fn: (args: { chain: unknown }) => void): void }): void;
declare namespace ossupTaro {
  export { ossupTaro as default };
}
export = ossupTaro;
