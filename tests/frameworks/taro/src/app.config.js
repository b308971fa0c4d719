export default defineAppConfig({
  pages: ['pages/upload/index'],
  window: { navigationBarTitleText: 'Upload to OSS' },
});
