import { Duration, Tokenization } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ENV, partitionPattern } from '../../shared/contract';
import type { EgressNetwork } from './component-egress';
import type { HandlerProps } from './component-function';
import { grantSecretValue } from './component-secret';
import { grantItems } from './component-table';
import { TokenKeeperFunction } from './component-token-keeper';

export interface ComponentTokenRefresherProps extends HandlerProps {
  /** The component secret: the appsecret goes into api_component_token. */
  readonly secret: secretsmanager.ISecret;
  readonly refreshMargin: Duration;
  /** Where it reaches WeChat from: a fixed IP on the component's allow list. */
  readonly network?: EgressNetwork;
}

/**
 * The function that keeps the component_access_token fresh, and its `reader` alias: what token readers invoke when
 * they find no usable token.
 */
export class ComponentTokenRefresher extends TokenKeeperFunction {
  constructor(scope: Construct, id: string, props: ComponentTokenRefresherProps) {
    super(scope, id, {
      bundle: 'token-refresher',
      description: 'WeChat component: keeps the component_access_token fresh',
      timeout: Duration.seconds(30),
      environment: {
        ...props.environment,
        [ENV.secretArn]: props.secret.secretArn,
        [ENV.refreshMarginSec]: Tokenization.stringifyNumber(props.refreshMargin.toSeconds()),
      },
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      ...(props.network ? { vpc: props.network } : {}),
      handler: props,
      readerAliasDescription: 'What token readers invoke: reader-miss and invalidate requests only',
    });
    const { table, componentAppid: appid } = props;
    const { keyUse } = this;
    grantSecretValue(props.secret, this.role);
    // It reads the ticket, keeps the token and its own lease, backoff and throttle; never events, status or audit.
    grantItems(table, this.role, ['GetItem'], [partitionPattern('ticket', appid)]);
    grantItems(table, this.role, ['GetItem', 'PutItem'], [partitionPattern('token', appid)]);
    grantItems(table, this.role, ['GetItem', 'PutItem', 'DeleteItem'], [partitionPattern('refresh', appid)]);
    keyUse.grant(this.role, 'kms:Encrypt', ['component_access_token']);
    keyUse.grant(this.role, 'kms:Decrypt', ['component_verify_ticket']);
  }

  /**
   * What a token reader needs, and nothing more: GetItem on the token item, kms:Decrypt of this component's tokens,
   * and invoking the reader alias (not the function, $LATEST or a version: only operators may force a refresh).
   */
  grantReadToken(grantee: iam.IGrantable): iam.Grant {
    const item = grantItems(this.table, grantee, ['GetItem'], [partitionPattern('token', this.componentAppid)]);
    const decrypt = this.keyUse.grant(grantee, 'kms:Decrypt', ['component_access_token']);
    return item.combine(decrypt).combine(this.readerAlias.grantInvoke(grantee));
  }
}
