import { Duration, type RemovalPolicy, Stack, Tokenization } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV, partitionPattern, REFRESHER_READER_ALIAS, ROUTES } from '../shared/contract';
import { ComponentAlarms } from './component/component-alarms';
import { ComponentApi, type Throttle } from './component/component-api';
import { createEgressNetwork, WechatEgress } from './component/component-egress';
import { ComponentFunction, HANDLER_ENTRY } from './component/component-function';
import { createComponentKey, grantKeyUse, grantKeyViaService } from './component/component-key';
import { createComponentTable, grantItems } from './component/component-table';
import { RefreshSchedule } from './component/component-schedule';
import { ComponentH5OAuth, type H5OAuthProps } from './component/component-h5-oauth';
import { nagAcknowledgements } from './nag-acknowledgements';
import { validateProps } from './component/validate-props';
import { PROP_DEFAULTS, type WechatComponentProps } from './wechat-component-props';

export { WechatEgress };
export type { H5OAuthProps, Throttle, WechatComponentProps };

/**
 * Everything a WeChat third-party platform needs to receive its pushes and keep its component_access_token fresh:
 * the event receive URL, the refresher on a schedule, the table, key and secret, alarms and a dashboard.
 *
 * @example
 * const component = new WechatComponent(this, 'Wechat', { componentAppid: 'wx1234567890abcdef' });
 * component.configureTokenReader(myFunction); // then createComponentTokenReaderFromEnv() in myFunction
 */
export class WechatComponent extends Construct {
  readonly componentAppid: string;
  readonly table: dynamodb.Table;
  readonly key: kms.Key;
  readonly secret: secretsmanager.ISecret;
  readonly pushReceiver: lambda.IFunction;
  /** The refresher, unqualified: what the schedule and operators invoke (every refresh reason accepted). */
  readonly tokenRefresher: lambda.IFunction;
  /**
   * The refresher's `reader` alias, the only thing `grantReadComponentToken` lets a reader invoke. Through it the
   * refresher accepts reader requests only, so a reader cannot force a refresh past a backoff.
   */
  readonly tokenRefresherReaderAlias: lambda.Alias;
  readonly api: ComponentApi;
  readonly alarms: ComponentAlarms;
  /** The authorization event receive URL (授权事件接收URL) to register on the Open Platform. */
  readonly eventReceiveUrl: string;
  /** The h5-oauth callback URL; its host goes on the official account development domain. */
  readonly h5OAuthCallbackUrl: string;
  /** Where H5 pages start a sign-in. */
  readonly h5OAuthStartUrl: string;
  /** The IP to put on the component's IP allow list, when the egress mode has one. */
  readonly egressIp?: string;
  /** The h5-oauth function, when `h5OAuth` is set. */
  readonly h5OAuth?: ComponentH5OAuth;

  constructor(scope: Construct, id: string, props: WechatComponentProps) {
    super(scope, id);
    validateProps(props);
    this.componentAppid = props.componentAppid;
    const appid = props.componentAppid;
    const removalPolicy = props.removalPolicy ?? PROP_DEFAULTS.removalPolicy;
    const logRetention = props.logRetention ?? PROP_DEFAULTS.logRetention;
    const refreshInterval = props.refreshInterval ?? PROP_DEFAULTS.refreshInterval;
    const refreshMargin = props.refreshMargin ?? PROP_DEFAULTS.refreshMargin;
    const metricsNamespace = `WechatComponent/${appid}`;

    this.key = createComponentKey(this, { alias: `alias/wechat-component/${appid}/${Stack.of(this).stackName}`, removalPolicy });
    this.table = createComponentTable(this, { key: this.key, removalPolicy });
    this.secret = props.secret ?? this.createSecret(appid, removalPolicy);

    const network = createEgressNetwork(this, props.egress ?? WechatEgress.natGateway(), removalPolicy);
    this.egressIp = network?.egressIp;
    const common = {
      [ENV.componentAppid]: appid,
      [ENV.tableName]: this.table.tableName,
      [ENV.kmsKeyId]: this.key.keyArn,
      POWERTOOLS_METRICS_NAMESPACE: metricsNamespace,
    };

    const receiver = new ComponentFunction(this, 'PushReceiver', {
      entry: HANDLER_ENTRY.pushReceiver,
      description: 'WeChat component: authorization event receive URL (tickets and authorization events)',
      timeout: Duration.seconds(10),
      environment: { ...common, [ENV.secretArn]: this.secret.secretArn },
      logRetention,
      removalPolicy,
      ...(props.pushReceiverReservedConcurrency !== undefined ? { reservedConcurrentExecutions: props.pushReceiverReservedConcurrency } : {}),
    });
    const refresher = new ComponentFunction(this, 'TokenRefresher', {
      entry: HANDLER_ENTRY.tokenRefresher,
      description: 'WeChat component: keeps the component_access_token fresh',
      timeout: Duration.seconds(30),
      environment: { ...common, [ENV.secretArn]: this.secret.secretArn, [ENV.refreshMarginSec]: Tokenization.stringifyNumber(refreshMargin.toSeconds()) },
      logRetention,
      removalPolicy,
      ...(network ? { vpc: network } : {}),
    });
    this.pushReceiver = receiver.function;
    this.tokenRefresher = refresher.function;
    // The handler reads the alias from context.invokedFunctionArn, which Lambda sets and no caller can forge.
    this.tokenRefresherReaderAlias = new lambda.Alias(this, 'TokenRefresherReaderAlias', {
      aliasName: REFRESHER_READER_ALIAS,
      version: refresher.function.currentVersion,
      description: 'What token readers invoke: reader-miss and invalidate requests only',
    });

    for (const fn of [receiver, refresher]) this.grantSecretRead(fn.role);
    // Each partition gets only the actions its items need (shared/store/table-keys.ts): the receiver puts tickets,
    // events and audit records and updates authorizer status; it never reaches the token or the refresher's state.
    grantItems(this.table, this.key, receiver.role, ['PutItem'], [partitionPattern('ticket', appid), partitionPattern('events', appid), partitionPattern('audit', appid)]);
    grantItems(this.table, this.key, receiver.role, ['UpdateItem'], [partitionPattern('authorizers', appid)]);
    grantKeyUse(this.key, receiver.role, 'kms:Encrypt', appid, ['component_verify_ticket']);
    // Event payloads can exceed what KMS Encrypt takes (4 KiB): they are envelope-sealed with a data key per payload.
    grantKeyUse(this.key, receiver.role, 'kms:GenerateDataKey', appid, ['authorization_event']);
    // The refresher reads the ticket, keeps the token and its own lease, backoff and throttle; never events or audit.
    grantItems(this.table, this.key, refresher.role, ['GetItem'], [partitionPattern('ticket', appid)]);
    grantItems(this.table, this.key, refresher.role, ['GetItem', 'PutItem'], [partitionPattern('token', appid)]);
    grantItems(this.table, this.key, refresher.role, ['GetItem', 'PutItem', 'DeleteItem'], [partitionPattern('refresh', appid)]);
    grantKeyUse(this.key, refresher.role, 'kms:Encrypt', appid, ['component_access_token']);
    grantKeyUse(this.key, refresher.role, 'kms:Decrypt', appid, ['component_verify_ticket']);

    this.api = new ComponentApi(this, 'Api', {
      pushReceiver: this.pushReceiver,
      logRetention,
      removalPolicy,
      throttle: props.throttle ?? PROP_DEFAULTS.throttle,
      pushThrottle: props.pushThrottle ?? PROP_DEFAULTS.pushThrottle,
      ...(props.domain ? { domain: props.domain } : {}),
    });
    this.eventReceiveUrl = `${this.api.baseUrl}${ROUTES.pushEvents}`;
    this.h5OAuthCallbackUrl = `${this.api.baseUrl}${ROUTES.h5OAuthCallback}`;
    this.h5OAuthStartUrl = `${this.api.baseUrl}${ROUTES.h5OAuthStart}`;
    if (props.h5OAuth) {
      this.h5OAuth = new ComponentH5OAuth(this, 'H5OAuth', {
        ...props.h5OAuth,
        componentAppid: appid,
        table: this.table,
        key: this.key,
        httpApi: this.api.httpApi,
        apiBaseUrl: this.api.baseUrl,
        commonEnvironment: common,
        configureTokenReader: (fn) => this.configureTokenReader(fn),
        logRetention,
        removalPolicy,
        ...(network ? { network } : {}),
      });
    }

    const schedule = new RefreshSchedule(this, 'RefreshSchedule', { refresher: this.tokenRefresher, rate: refreshInterval });
    this.alarms = new ComponentAlarms(this, 'Alarms', {
      namespace: metricsNamespace,
      refresher: this.tokenRefresher,
      pushReceiver: this.pushReceiver,
      ...(this.h5OAuth ? { h5OAuthFunction: this.h5OAuth.function.function } : {}),
      httpApi: this.api.httpApi,
      deadLetterQueue: schedule.deadLetterQueue,
      refreshMargin,
      refreshInterval,
      ...(props.alarmTopic ? { alarmTopic: props.alarmTopic } : {}),
    });
  }

  /**
   * Permissions only, as every aws-cdk grant: the least a token reader needs. GetItem on the token item only,
   * kms:Decrypt of tokens of this component only, and invoking the refresher's `reader` alias for an on-demand
   * refresh (not the function itself: only operators may force a refresh). Nothing else: no secret, no write, no
   * kms:Encrypt. A Lambda function also needs the reader's environment: see `configureTokenReader`.
   */
  grantReadComponentToken(grantee: iam.IGrantable): iam.Grant {
    const item = grantItems(this.table, this.key, grantee, ['GetItem'], [partitionPattern('token', this.componentAppid)]);
    const decrypt = grantKeyUse(this.key, grantee, 'kms:Decrypt', this.componentAppid, ['component_access_token']);
    const invoke = iam.Grant.addToPrincipal({ grantee, actions: ['lambda:InvokeFunction'], resourceArns: [this.tokenRefresherReaderAlias.functionArn] });
    return item.combine(decrypt).combine(invoke);
  }

  /**
   * Makes `fn` a token reader: sets the environment variables `createComponentTokenReaderFromEnv()` reads
   * (WECHAT_COMPONENT_APPID, WECHAT_TABLE_NAME, WECHAT_KMS_KEY_ID, WECHAT_REFRESHER_FUNCTION), keeping the rest of
   * its environment, and gives it `grantReadComponentToken`.
   *
   * @example
   * const fn = new NodejsFunction(this, 'MyFunction', { entry: 'src/my-function.ts', runtime: Runtime.NODEJS_24_X });
   * component.configureTokenReader(fn);
   * // src/my-function.ts: const reader = createComponentTokenReaderFromEnv(); (module scope)
   */
  configureTokenReader(fn: lambda.Function): iam.Grant {
    fn.addEnvironment(ENV.componentAppid, this.componentAppid);
    fn.addEnvironment(ENV.tableName, this.table.tableName);
    fn.addEnvironment(ENV.kmsKeyId, this.key.keyArn);
    fn.addEnvironment(ENV.refresherFunction, this.tokenRefresherReaderAlias.functionArn);
    return this.grantReadComponentToken(fn);
  }

  private createSecret(appid: string, removalPolicy: RemovalPolicy): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, 'Secret', {
      description: `WeChat component ${appid}: appsecret, message token and EncodingAESKey (JSON). Fill in appsecret and token.`,
      encryptionKey: this.key,
      removalPolicy,
      // A fresh EncodingAESKey (43 letters and digits) to enter on the Open Platform; appsecret and token are yours to set.
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ appsecret: '', token: '' }),
        generateStringKey: 'encodingAesKey',
        passwordLength: 43,
        excludePunctuation: true,
        includeSpace: false,
      },
    });
    nagAcknowledgements.secretWithoutRotation(secret);
    return secret;
  }

  private grantSecretRead(role: iam.IGrantable): void {
    iam.Grant.addToPrincipal({ grantee: role, actions: ['secretsmanager:GetSecretValue'], resourceArns: [this.secret.secretArn] });
    grantKeyViaService(this.key, role, 'secretsmanager', ['kms:Decrypt']);
  }
}
