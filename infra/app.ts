/**
 * The CDK app. Synthesize offline with `npm run synth`; deploy with
 * `npx cdk deploy -c componentAppid=wx... -c region=ap-east-1` (see README, "Deploy to AWS").
 * Everything account-specific comes from context or the environment.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readAppSettings } from './app-settings';
import { WechatComponentStack } from './wechat-component-stack';

const app = new App();
const settings = readAppSettings((key) => app.node.tryGetContext(key), process.env);

new WechatComponentStack(app, settings.stackName, {
  env: { region: settings.region, ...(settings.account ? { account: settings.account } : {}) },
  description: 'WeChat Open Platform third-party platform: event receive URL, component and authorizer tokens, authorization page',
  settings,
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
