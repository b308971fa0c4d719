// Tencent COS's WeChat SDK, whole (what a WeChat page ships to upload to COS).
export { default } from 'cos-wx-sdk-v5';
