import { Duration, Tokenization } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ENV, partitionPattern, REFRESHER_READER_ALIAS } from '../../shared/contract';
import type { EgressNetwork } from './component-egress';
import { ComponentFunction, handlerEntry, type HandlerProps } from './component-function';
import { grantKeyUse } from './component-key';
import { grantSecretValue } from './component-secret';
import { grantItems } from './component-table';

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
export class ComponentTokenRefresher extends ComponentFunction {
  /**
   * The only thing token readers may invoke. Through it the refresher accepts reader requests only, so a reader cannot
   * force a refresh past a backoff; the handler reads the alias from context.invokedFunctionArn, which Lambda sets and
   * no caller can forge.
   */
  readonly readerAlias: lambda.Alias;
  private readonly store: Pick<HandlerProps, 'componentAppid' | 'table' | 'key'>;

  constructor(scope: Construct, id: string, props: ComponentTokenRefresherProps) {
    super(scope, id, {
      entry: handlerEntry('token-refresher'),
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
    });
    this.readerAlias = new lambda.Alias(this, 'ReaderAlias', {
      aliasName: REFRESHER_READER_ALIAS,
      version: this.function.currentVersion,
      description: 'What token readers invoke: reader-miss and invalidate requests only',
    });
    const { table, key, componentAppid: appid } = props;
    this.store = { table, key, componentAppid: appid };
    grantSecretValue(props.secret, this.role);
    // It reads the ticket, keeps the token and its own lease, backoff and throttle; never events, status or audit.
    grantItems(table, this.role, ['GetItem'], [partitionPattern('ticket', appid)]);
    grantItems(table, this.role, ['GetItem', 'PutItem'], [partitionPattern('token', appid)]);
    grantItems(table, this.role, ['GetItem', 'PutItem', 'DeleteItem'], [partitionPattern('refresh', appid)]);
    grantKeyUse(key, this.role, 'kms:Encrypt', appid, ['component_access_token']);
    grantKeyUse(key, this.role, 'kms:Decrypt', appid, ['component_verify_ticket']);
  }

  /**
   * What a token reader needs, and nothing more: GetItem on the token item, kms:Decrypt of this component's tokens,
   * and invoking the reader alias (not the function, $LATEST or a version: only operators may force a refresh).
   */
  grantReadToken(grantee: iam.IGrantable): iam.Grant {
    const { table, key, componentAppid } = this.store;
    const item = grantItems(table, grantee, ['GetItem'], [partitionPattern('token', componentAppid)]);
    const decrypt = grantKeyUse(key, grantee, 'kms:Decrypt', componentAppid, ['component_access_token']);
    return item.combine(decrypt).combine(this.readerAlias.grantInvoke(grantee));
  }
}
