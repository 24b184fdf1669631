// The construct alone, synthesized with esbuild and Docker out of reach: its functions come from the package's
// prebuilt bundles.
import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { WechatComponent } from 'wechat-component-aws/cdk';

const app = new App();
const stack = new Stack(app, 'ConstructOnly', { env: { region: 'ap-east-1' } });
new WechatComponent(stack, 'Wechat', { componentAppid: 'wx1234567890abcdef' });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
