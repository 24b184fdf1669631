// The consumer test's app: the README's stack, checked by cdk-nag as the repository's own app is.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { WechatStack } from '../lib/wechat-stack.js';

const app = new App();
const stack = new WechatStack(app, 'ConsumerStack', { env: { region: 'ap-east-1' } });
// The consumer's own function, not the construct: NodejsFunction gives it the managed basic-execution policy.
Validations.of(stack.tokenReader.role!).acknowledge({
  id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
  reason: 'The example reader keeps the role NodejsFunction makes, with AWSLambdaBasicExecutionRole for its logs',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
