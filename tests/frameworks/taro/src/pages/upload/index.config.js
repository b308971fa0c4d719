export default definePageConfig({ navigationBarTitleText: 'Upload to OSS' });
