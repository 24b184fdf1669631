import type { ComponentSecrets } from '../../shared/config/component-secrets';

/** Test values; a canary check scans captured output for each of them. */
export const TEST_SECRETS: ComponentSecrets & { componentAppid: string } = {
  componentAppid: 'wx1234567890abcdef',
  appsecret: 'canary-appsecret-5f0c2e9a7b3d41e8',
  token: 'canaryMessageToken42',
  encodingAesKey: 'Canary0EncodingAesKey0For0Tests0Only0123456',
};
