import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { APPID_PATTERN as APPID, ENV } from '../shared/config/env-names';
import { ComponentAlarms } from './component/component-alarms';
import { API_PATHS, ComponentApi } from './component/component-api';
import { createEgressNetwork, WechatEgress } from './component/component-egress';
import { ComponentFunction, HANDLER_ENTRY } from './component/component-function';
import { createComponentKey, grantKeyUse, grantKeyViaService } from './component/component-key';
import { createComponentTable, grantItems, partitionOf } from './component/component-table';
import { RefreshSchedule } from './component/component-schedule';
import { ComponentSignIn, type SignInProps } from './component/component-sign-in';
import { nagAcknowledgements } from './nag-acknowledgements';

export { WechatEgress };
export type { SignInProps };


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
  readonly refreshSchedule?: Duration;
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
   * HTTP API throttling (requests per second, burst). WeChat pushes a few times per 10 minutes.
   * @default { rateLimit: 20, burstLimit: 40 }
   */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
  /**
   * H5 sign-in on behalf of authorized official accounts (/oauth/start, /oauth/callback, /oauth/session).
   * @default - no sign-in routes
   */
  readonly signIn?: SignInProps;
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
  readonly tokenRefresher: lambda.IFunction;
  readonly api: ComponentApi;
  readonly alarms: ComponentAlarms;
  /** The authorization event receive URL (授权事件接收URL) to register on the Open Platform. */
  readonly eventReceiveUrl: string;
  /** The H5 sign-in callback URL; its host goes on the official account development domain. */
  readonly oauthCallbackUrl: string;
  /** Where H5 pages start a sign-in. */
  readonly oauthStartUrl: string;
  /** The IP to put on the component's IP allow list, when the egress mode has one. */
  readonly egressIp?: string;
  /** The H5 sign-in function, when `signIn` is set. */
  readonly signIn?: ComponentSignIn;

  constructor(scope: Construct, id: string, props: WechatComponentProps) {
    super(scope, id);
    validateProps(props);
    this.componentAppid = props.componentAppid;
    const appid = props.componentAppid;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    const refreshSchedule = props.refreshSchedule ?? Duration.minutes(5);
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

    for (const fn of [receiver, refresher]) this.grantSecretRead(fn.role);
    grantItems(this.table, this.key, receiver.role, ['PutItem', 'UpdateItem'], [partitionOf.component(appid), partitionOf.authorizers(appid), partitionOf.audit(appid)]);
    grantKeyUse(this.key, receiver.role, 'kms:Encrypt', appid, ['component_verify_ticket']);
    // Event payloads can exceed what KMS Encrypt takes (4 KiB): they are envelope-sealed with a data key per payload.
    grantKeyUse(this.key, receiver.role, 'kms:GenerateDataKey', appid, ['authorization_event']);
    grantItems(this.table, this.key, refresher.role, ['GetItem', 'PutItem', 'DeleteItem'], [partitionOf.component(appid), partitionOf.token(appid)]);
    grantKeyUse(this.key, refresher.role, 'kms:Encrypt', appid, ['component_access_token']);
    grantKeyUse(this.key, refresher.role, 'kms:Decrypt', appid, ['component_verify_ticket']);

    this.api = new ComponentApi(this, 'Api', {
      pushReceiver: this.pushReceiver,
      logRetention,
      removalPolicy,
      throttle: props.throttle ?? { rateLimit: 20, burstLimit: 40 },
      ...(props.domain ? { domain: props.domain } : {}),
    });
    this.eventReceiveUrl = `${this.api.baseUrl}${API_PATHS.events}`;
    this.oauthCallbackUrl = `${this.api.baseUrl}${API_PATHS.oauthCallback}`;
    this.oauthStartUrl = `${this.api.baseUrl}${API_PATHS.oauthStart}`;
    if (props.signIn) {
      this.signIn = new ComponentSignIn(this, 'SignIn', {
        ...props.signIn,
        componentAppid: appid,
        table: this.table,
        key: this.key,
        httpApi: this.api.httpApi,
        apiBaseUrl: this.api.baseUrl,
        commonEnvironment: common,
        grantReadComponentToken: (grantee) => this.grantReadComponentToken(grantee),
        refresherFunctionName: this.tokenRefresher.functionName,
        logRetention,
        removalPolicy,
        ...(network ? { network } : {}),
      });
    }

    const schedule = new RefreshSchedule(this, 'RefreshSchedule', { refresher: this.tokenRefresher, rate: refreshSchedule });
    this.alarms = new ComponentAlarms(this, 'Alarms', {
      namespace: metricsNamespace,
      refresher: this.tokenRefresher,
      pushReceiver: this.pushReceiver,
      ...(this.signIn ? { signInFunction: this.signIn.function.function } : {}),
      httpApi: this.api.httpApi,
      deadLetterQueue: schedule.deadLetterQueue,
      refreshMargin,
      refreshSchedule,
      ...(props.alarmTopic ? { alarmTopic: props.alarmTopic } : {}),
    });
  }

  /**
   * The least a consumer Lambda needs to use the token reader: GetItem on the token item only, kms:Decrypt of tokens
   * of this component only, and invoking the refresher for an on-demand refresh. Nothing else: no secret, no write,
   * no kms:Encrypt. When the grantee is a Lambda function, also sets the environment variables the reader reads.
   */
  grantReadComponentToken(grantee: iam.IGrantable): iam.Grant {
    grantItems(this.table, this.key, grantee, ['GetItem'], [partitionOf.token(this.componentAppid)]);
    const grant = grantKeyUse(this.key, grantee, 'kms:Decrypt', this.componentAppid, ['component_access_token']);
    this.tokenRefresher.grantInvoke(grantee);
    if (isFunction(grantee)) {
      grantee.addEnvironment(ENV.componentAppid, this.componentAppid);
      grantee.addEnvironment(ENV.tableName, this.table.tableName);
      grantee.addEnvironment(ENV.kmsKeyId, this.key.keyArn);
      grantee.addEnvironment(ENV.refresherFunctionName, this.tokenRefresher.functionName);
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
  const schedule = props.refreshSchedule ?? Duration.minutes(5);
  const margin = props.refreshMargin ?? Duration.minutes(15);
  if (margin.toSeconds() <= schedule.toSeconds()) {
    throw new Error('WechatComponent: refreshMargin must be longer than refreshSchedule, or a token can expire between two runs');
  }
  if (margin.toSeconds() >= 7200) throw new Error('WechatComponent: refreshMargin must be shorter than the token lifetime (2 hours)');
  if (props.signIn) {
    if (props.signIn.allowedReturnTo.length === 0) throw new Error('WechatComponent: signIn.allowedReturnTo needs at least one URL prefix');
    for (const entry of props.signIn.allowedReturnTo) {
      if (Token.isUnresolved(entry)) continue;
      if (!isReturnToPrefix(entry)) {
        throw new Error('WechatComponent: signIn.allowedReturnTo entries must be https URLs with an optional path (no credentials, query, fragment or comma)');
      }
    }
    for (const authorizer of props.signIn.authorizerAppids ?? []) {
      if (!APPID.test(authorizer)) throw new Error('WechatComponent: signIn.authorizerAppids must be appids (wx followed by 16 letters or digits)');
    }
  }
}

// The h5-oauth function splits OAUTH_ALLOWED_RETURN_TO on commas and parses each entry as a URL without credentials
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
