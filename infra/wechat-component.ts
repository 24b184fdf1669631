import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { APPID_PATTERN as APPID, ENV, partitionPattern, REFRESHER_READER_ALIAS, ROUTES } from '../shared/contract';
import { ComponentAlarms } from './component/component-alarms';
import { ComponentApi, type Throttle } from './component/component-api';
import { createEgressNetwork, WechatEgress } from './component/component-egress';
import { ComponentFunction, HANDLER_ENTRY } from './component/component-function';
import { createComponentKey, grantKeyUse, grantKeyViaService } from './component/component-key';
import { createComponentTable, grantItems } from './component/component-table';
import { RefreshSchedule } from './component/component-schedule';
import { ComponentH5OAuth, type H5OAuthProps } from './component/component-h5-oauth';
import { nagAcknowledgements } from './nag-acknowledgements';

export { WechatEgress };
export type { H5OAuthProps, Throttle };

const DEFAULT_THROTTLE: Throttle = { rateLimit: 20, burstLimit: 40 };
const DEFAULT_PUSH_THROTTLE: Throttle = { rateLimit: 100, burstLimit: 200 };


export interface WechatComponentProps {
  /** The third-party platform's component_appid (`wx` + 16 characters). */
  readonly componentAppid: string;
  /**
   * An existing secret holding JSON `{"appsecret","token","encodingAesKey"}`.
   * @default - a new secret encrypted with the component key; you fill in its values after deploying
   */
  readonly secret?: secretsmanager.ISecret;
  /**
   * How often the refresher checks the token.
   * @default Duration.minutes(5)
   */
  readonly refreshInterval?: Duration;
  /**
   * Refresh when the token expires within this; must exceed the schedule so a refresh happens in time.
   * @default Duration.minutes(15)
   */
  readonly refreshMargin?: Duration;
  /**
   * A custom domain for the HTTPS URLs registered on WeChat (certificate in this region).
   * @default - the API's execute-api URL
   */
  readonly domain?: { readonly domainName: string; readonly certificate: acm.ICertificate };
  /**
   * Where alarms (and their recovery) are sent.
   * @default - alarms without actions; watch them on the dashboard
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * How functions that call WeChat reach it; WeChat only accepts allow-listed IPs (errcode 61004).
   * @default WechatEgress.natGateway()
   */
  readonly egress?: WechatEgress;
  /**
   * What happens to the table, key, secret and logs when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Retention of function and API access logs.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * HTTP API throttling (requests per second, burst) of every route but the push route: h5-oauth routes.
   * @default { rateLimit: 20, burstLimit: 40 }
   */
  readonly throttle?: Throttle;
  /**
   * The push route's own throttle (POST /wechat/component/events), which must be above `throttle` in both limits.
   * WeChat pushes a few times per 10 minutes; the headroom is for junk: requests beyond the limit are answered 429
   * before reaching the receiver, and a real push among them would be lost to that (WeChat retries a push a few
   * times), so the limit is set well above anything the receiver needs while rejecting junk stays cheap.
   * @default { rateLimit: 100, burstLimit: 200 }
   */
  readonly pushThrottle?: Throttle;
  /**
   * Concurrent executions reserved for the push receiver, so that other functions of the account (a flood on the
   * sign-in routes, or anything else you run) cannot use up the account's concurrency and leave WeChat's pushes
   * throttled. It also caps the receiver at this many. WeChat pushes a few times per 10 minutes: 5 is ample.
   *
   * Off by default because it fails the deployment on many accounts: Lambda always keeps 100 of an account's
   * concurrent executions unreserved, and new AWS accounts start with a concurrency quota of 10, so they cannot
   * reserve any. Raise the "Concurrent executions" quota (Service Quotas, AWS Lambda) first.
   * @default - no reservation: the receiver shares the account's unreserved concurrency
   */
  readonly pushReceiverReservedConcurrency?: number;
  /**
   * h5-oauth on behalf of authorized official accounts (/h5-oauth/start, /h5-oauth/callback, /h5-oauth/session).
   * @default - no sign-in routes
   */
  readonly h5OAuth?: H5OAuthProps;
}

/**
 * Everything a WeChat third-party platform needs to receive its pushes and keep its component_access_token fresh:
 * the event receive URL, the refresher on a schedule, the table, key and secret, alarms and a dashboard.
 *
 * @example
 * const component = new WechatComponent(this, 'Wechat', { componentAppid: 'wx1234567890abcdef' });
 * component.grantReadComponentToken(myFunction); // then createComponentTokenReaderFromEnv() in myFunction
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
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    const refreshInterval = props.refreshInterval ?? Duration.minutes(5);
    const refreshMargin = props.refreshMargin ?? Duration.minutes(15);
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
      environment: { ...common, [ENV.secretArn]: this.secret.secretArn, [ENV.refreshMarginSec]: String(refreshMargin.toSeconds()) },
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
      throttle: props.throttle ?? DEFAULT_THROTTLE,
      pushThrottle: props.pushThrottle ?? DEFAULT_PUSH_THROTTLE,
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
        grantReadComponentToken: (grantee) => this.grantReadComponentToken(grantee),
        refresherReaderArn: this.tokenRefresherReaderAlias.functionArn,
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
   * The least a consumer Lambda needs to use the token reader: GetItem on the token item only, kms:Decrypt of tokens
   * of this component only, and invoking the refresher's `reader` alias for an on-demand refresh (not the function
   * itself: only operators may force a refresh). Nothing else: no secret, no write, no kms:Encrypt. When the grantee
   * is a Lambda function, also sets the environment variables the reader reads.
   */
  grantReadComponentToken(grantee: iam.IGrantable): iam.Grant {
    grantItems(this.table, this.key, grantee, ['GetItem'], [partitionPattern('token', this.componentAppid)]);
    const grant = grantKeyUse(this.key, grantee, 'kms:Decrypt', this.componentAppid, ['component_access_token']);
    iam.Grant.addToPrincipal({ grantee, actions: ['lambda:InvokeFunction'], resourceArns: [this.tokenRefresherReaderAlias.functionArn] });
    if (isFunction(grantee)) {
      grantee.addEnvironment(ENV.componentAppid, this.componentAppid);
      grantee.addEnvironment(ENV.tableName, this.table.tableName);
      grantee.addEnvironment(ENV.kmsKeyId, this.key.keyArn);
      grantee.addEnvironment(ENV.refresherFunction, this.tokenRefresherReaderAlias.functionArn);
    }
    return grant;
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

function isFunction(grantee: iam.IGrantable): grantee is lambda.Function {
  return typeof (grantee as lambda.Function).addEnvironment === 'function';
}

function validateProps(props: WechatComponentProps): void {
  if (!APPID.test(props.componentAppid)) {
    throw new Error(`WechatComponent: componentAppid must look like wx followed by 16 letters or digits`);
  }
  const schedule = props.refreshInterval ?? Duration.minutes(5);
  const margin = props.refreshMargin ?? Duration.minutes(15);
  if (margin.toSeconds() <= schedule.toSeconds()) {
    throw new Error('WechatComponent: refreshMargin must be longer than refreshInterval, or a token can expire between two runs');
  }
  if (margin.toSeconds() >= 7200) throw new Error('WechatComponent: refreshMargin must be shorter than the token lifetime (2 hours)');
  const throttle = props.throttle ?? DEFAULT_THROTTLE;
  const pushThrottle = props.pushThrottle ?? DEFAULT_PUSH_THROTTLE;
  validateThrottle('throttle', throttle);
  validateThrottle('pushThrottle', pushThrottle);
  if (!(pushThrottle.rateLimit > throttle.rateLimit && pushThrottle.burstLimit > throttle.burstLimit)) {
    throw new Error(
      'WechatComponent: pushThrottle must be above throttle in both rateLimit and burstLimit, so traffic on the sign-in routes cannot crowd out WeChat’s pushes',
    );
  }
  const reserved = props.pushReceiverReservedConcurrency;
  if (reserved !== undefined && !Token.isUnresolved(reserved) && !(Number.isInteger(reserved) && reserved >= 1)) {
    throw new Error('WechatComponent: pushReceiverReservedConcurrency must be a whole number of 1 or more (or left out: no reservation)');
  }
  if (props.h5OAuth) {
    if (props.h5OAuth.allowedReturnTo.length === 0) throw new Error('WechatComponent: h5OAuth.allowedReturnTo needs at least one URL prefix');
    for (const entry of props.h5OAuth.allowedReturnTo) {
      if (Token.isUnresolved(entry)) continue;
      if (!isReturnToPrefix(entry)) {
        throw new Error('WechatComponent: h5OAuth.allowedReturnTo entries must be https URLs with an optional path (no credentials, query, fragment or comma)');
      }
    }
    for (const authorizer of props.h5OAuth.authorizerAppids ?? []) {
      if (!APPID.test(authorizer)) throw new Error('WechatComponent: h5OAuth.authorizerAppids must be appids (wx followed by 16 letters or digits)');
    }
  }
}

function validateThrottle(name: 'throttle' | 'pushThrottle', throttle: Throttle): void {
  if (!(Number.isFinite(throttle.rateLimit) && throttle.rateLimit > 0)) throw new Error(`WechatComponent: ${name}.rateLimit must be a positive number of requests per second`);
  if (!(Number.isInteger(throttle.burstLimit) && throttle.burstLimit > 0)) throw new Error(`WechatComponent: ${name}.burstLimit must be a positive whole number`);
}

// The h5-oauth function splits WECHAT_H5_OAUTH_ALLOWED_RETURN_TO on commas and parses each entry as a URL without credentials
// at cold start; an entry it would refuse must fail the synth here, not every sign-in after the deploy.
function isReturnToPrefix(entry: string): boolean {
  if (!/^https:\/\/[^/?#\s,]+(\/[^?#\s,]*)?$/.test(entry)) return false;
  try {
    const url = new URL(entry);
    return url.username === '' && url.password === '';
  } catch {
    return false;
  }
}
