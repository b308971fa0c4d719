/**
 * ossup/uni: a Vite plugin for uni-app. Gives each UNI_PLATFORM its build of ossup and writes
 * the core WeChat/Douyin load from the code package into the output.
 *
 *     import uni from '@dcloudio/vite-plugin-uni';
 *     import ossup from 'ossup/uni';
 *     export default defineConfig({ plugins: [uni(), ossup()] });
 */
declare function ossupUni(): { name: string; enforce: 'pre'; [hook: string]: unknown };
declare namespace ossupUni {
  export { ossupUni as default };
}
export = ossupUni;
