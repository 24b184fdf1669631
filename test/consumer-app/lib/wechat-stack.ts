import { Stack, type StackProps } from 'aws-cdk-lib';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { WechatComponent } from 'wechat-component-aws/cdk';

export class WechatStack extends Stack {
  readonly component: WechatComponent;
  readonly tokenReader: NodejsFunction;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.component = new WechatComponent(this, 'Wechat', { componentAppid: 'wx1234567890abcdef' });
    this.tokenReader = new NodejsFunction(this, 'TokenReader', {
      entry: 'lambda/token-reader.ts',
      runtime: Runtime.NODEJS_24_X,
    });
    // Sets the four variables createComponentTokenReaderFromEnv() reads and grants the least it needs.
    this.component.configureTokenReader(this.tokenReader);
  }
}
