import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV, ROUTES } from '../shared/contract';
import { ComponentAlarms } from './component/component-alarms';
import { ComponentApi, type Throttle } from './component/component-api';
import { ComponentAuthorizationPage } from './component/component-authorization-page';
import { AuthorizerJobs } from './component/component-authorizer-jobs';
import { AUTHORIZER_WORKER_TIMEOUT, ComponentAuthorizerWorker } from './component/component-authorizer-worker';
import { createEgressNetwork, WechatEgress } from './component/component-egress';
import type { HandlerProps } from './component/component-function';
import { ComponentH5OAuth, type H5OAuthProps } from './component/component-h5-oauth';
import { createComponentKey } from './component/component-key';
import { ComponentPushReceiver } from './component/component-push-receiver';
import { ComponentSchedules } from './component/component-schedule';
import { createComponentSecret, createSigningKeySecret } from './component/component-secret';
import { createComponentTable } from './component/component-table';
import { ComponentTokenRefresher } from './component/component-token-refresher';
import { validateProps } from './component/validate-props';
import { nagAcknowledgements } from './nag-acknowledgements';
import { PROP_DEFAULTS, type WechatComponentProps } from './wechat-component-props';

export type { H5OAuthProps, Throttle, WechatComponentProps };
export { WechatEgress };

/**
 * Everything a WeChat third-party platform needs to receive its pushes, keep its component_access_token fresh and act
 * for the accounts that authorized it: the event receive URL, the refresher on a schedule, the authorization page, the
 * authorizer worker with its jobs queue and schedules, the table, key and secrets, alarms and a dashboard.
 *
 * @example
 * const component = new WechatComponent(this, 'Wechat', { componentAppid: 'wx1234567890abcdef' });
 * component.configureTokenReader(myFunction); // then createComponentTokenReaderFromEnv() in myFunction
 * component.configureAuthorizerTokenReader(myFunction); // then createAuthorizerTokenReaderFromEnv()
 */
export class WechatComponent extends Construct {
  readonly componentAppid: string;
  /** The table the service keeps its items in: `table` when given, else one of its own. */
  readonly table: dynamodb.ITable;
  /** The key that seals the ticket and tokens and encrypts the secrets: `key` when given, else one of its own. */
  readonly key: kms.IKey;
  readonly secret: secretsmanager.ISecret;
  readonly pushReceiver: lambda.IFunction;
  /** The refresher, unqualified: what the schedule and operators invoke (every refresh reason accepted). */
  readonly tokenRefresher: lambda.IFunction;
  /**
   * The refresher's `reader` alias, the only thing `grantReadComponentToken` lets a reader invoke. Through it the
   * refresher accepts reader requests only, so a reader cannot force a refresh past a backoff.
   */
  readonly tokenRefresherReaderAlias: lambda.Alias;
  /**
   * The authorizer worker, unqualified: what the schedules, the jobs queue and operators invoke (authorization links,
   * import, forced refreshes).
   */
  readonly authorizerWorker: lambda.IFunction;
  /**
   * The worker's `reader` alias, the only thing `grantReadAuthorizerTokens` lets a reader invoke: through it the worker
   * accepts reader-miss and invalidate refreshes only, so a reader cannot skip a backoff.
   */
  readonly authorizerWorkerReaderAlias: lambda.Alias;
  /** The authorizer jobs queue and its dead-letter queue. */
  readonly authorizerJobs: AuthorizerJobs;
  /** The authorization page function (GET /authorize, GET /authorize/callback). */
  readonly authorizationPage: lambda.IFunction;
  /** The secret whose random value signs authorization links. */
  readonly authorizationLinkSecret: secretsmanager.ISecret;
  /** Where administrators authorize an account: the signed links an operator makes point here. */
  readonly authorizationPageUrl: string;
  /** Where WeChat sends the administrator back after consent (on the same host as the page). */
  readonly authorizationCallbackUrl: string;
  /** The authorization initiation domain (授权发起页域名) to register on the Open Platform: the page's host. */
  readonly authorizationInitiationDomain: string;
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
  private readonly refresher: ComponentTokenRefresher;
  private readonly worker: ComponentAuthorizerWorker;

  constructor(scope: Construct, id: string, props: WechatComponentProps) {
    super(scope, id);
    validateProps(props);
    this.componentAppid = props.componentAppid;
    const appid = props.componentAppid;
    const removalPolicy = props.removalPolicy ?? PROP_DEFAULTS.removalPolicy;
    const refreshInterval = props.refreshInterval ?? PROP_DEFAULTS.refreshInterval;
    const refreshMargin = props.refreshMargin ?? PROP_DEFAULTS.refreshMargin;
    const metricsNamespace = `WechatComponent/${appid}`;

    this.key =
      props.key ?? createComponentKey(this, { alias: `alias/wechat-component/${appid}/${Stack.of(this).stackName}`, removalPolicy });
    this.table = props.table ?? createComponentTable(this, { key: this.key, removalPolicy });
    this.secret = props.secret ?? createComponentSecret(this, { componentAppid: appid, key: this.key, removalPolicy });
    const network = createEgressNetwork(this, props.egress ?? WechatEgress.natGateway(), removalPolicy);
    this.egressIp = network?.egressIp;

    const shared: HandlerProps = {
      componentAppid: appid,
      table: this.table,
      key: this.key,
      environment: {
        [ENV.componentAppid]: appid,
        [ENV.tableName]: this.table.tableName,
        [ENV.kmsKeyId]: this.key.keyArn,
        POWERTOOLS_METRICS_NAMESPACE: metricsNamespace,
      },
      logRetention: props.logRetention ?? PROP_DEFAULTS.logRetention,
      removalPolicy,
    };
    const sweepInterval = props.authorizerSweepInterval ?? PROP_DEFAULTS.authorizerSweepInterval;
    this.refresher = new ComponentTokenRefresher(this, 'TokenRefresher', {
      ...shared,
      secret: this.secret,
      refreshMargin,
      ...(network ? { network } : {}),
    });
    this.tokenRefresher = this.refresher.function;
    this.tokenRefresherReaderAlias = this.refresher.readerAlias;
    this.authorizerJobs = new AuthorizerJobs(this, 'AuthorizerJobs', { workerTimeout: AUTHORIZER_WORKER_TIMEOUT });

    const reserved = props.pushReceiverReservedConcurrency;
    this.pushReceiver = new ComponentPushReceiver(this, 'PushReceiver', {
      ...shared,
      secret: this.secret,
      jobs: this.authorizerJobs,
      ...(reserved !== undefined ? { reservedConcurrentExecutions: reserved } : {}),
    }).function;

    this.api = new ComponentApi(this, 'Api', {
      pushReceiver: this.pushReceiver,
      logRetention: shared.logRetention,
      removalPolicy,
      throttle: props.throttle ?? PROP_DEFAULTS.throttle,
      pushThrottle: props.pushThrottle ?? PROP_DEFAULTS.pushThrottle,
      ...(props.domain ? { domain: props.domain } : {}),
    });
    this.eventReceiveUrl = `${this.api.baseUrl}${ROUTES.pushEvents}`;
    this.h5OAuthCallbackUrl = `${this.api.baseUrl}${ROUTES.h5OAuthCallback}`;
    this.h5OAuthStartUrl = `${this.api.baseUrl}${ROUTES.h5OAuthStart}`;
    this.authorizationPageUrl = `${this.api.baseUrl}${ROUTES.authorizationPage}`;
    this.authorizationCallbackUrl = `${this.api.baseUrl}${ROUTES.authorizationCallback}`;
    this.authorizationInitiationDomain = this.api.host;
    const configureTokenReader = (fn: lambda.Function) => this.configureTokenReader(fn);

    this.authorizationLinkSecret = createSigningKeySecret(this, 'AuthorizationLinkSecret', {
      description: `WeChat component ${appid}: key that signs authorization links (HMAC-SHA256)`,
      key: this.key,
      removalPolicy,
    });
    nagAcknowledgements.linkSecretWithoutRotation(this.authorizationLinkSecret);
    this.worker = new ComponentAuthorizerWorker(this, 'AuthorizerWorker', {
      ...shared,
      jobs: this.authorizerJobs,
      refreshMargin,
      maxConcurrency: props.authorizerConcurrency ?? PROP_DEFAULTS.authorizerConcurrency,
      linkSecret: this.authorizationLinkSecret,
      authorizationPageUrl: this.authorizationPageUrl,
      configureTokenReader,
      ...(network ? { network } : {}),
    });
    this.authorizerWorker = this.worker.function;
    this.authorizerWorkerReaderAlias = this.worker.readerAlias;
    this.authorizationPage = new ComponentAuthorizationPage(this, 'AuthorizationPage', {
      ...shared,
      httpApi: this.api.httpApi,
      pageUrl: this.authorizationPageUrl,
      callbackUrl: this.authorizationCallbackUrl,
      linkSecret: this.authorizationLinkSecret,
      jobs: this.authorizerJobs,
      refreshMargin,
      pageMode: props.authorizationPageMode ?? PROP_DEFAULTS.authorizationPageMode,
      preAuthCodesPerMinute: props.preAuthCodesPerMinute ?? PROP_DEFAULTS.preAuthCodesPerMinute,
      configureTokenReader,
      ...(network ? { network } : {}),
    }).function;

    if (props.h5OAuth) {
      this.h5OAuth = new ComponentH5OAuth(this, 'H5OAuth', {
        ...shared,
        ...props.h5OAuth,
        httpApi: this.api.httpApi,
        apiBaseUrl: this.api.baseUrl,
        configureTokenReader,
        ...(network ? { network } : {}),
      });
    }

    // The construct id predates the authorizer schedules; it stays, since renaming it would replace the resources.
    const schedules = new ComponentSchedules(this, 'RefreshSchedule');
    schedules.add('Schedule', {
      description: 'Keeps the component_access_token fresh',
      schedule: scheduler.ScheduleExpression.rate(refreshInterval),
      target: this.tokenRefresher,
      input: { action: 'refresh', reason: 'schedule' },
      maxEventAge: refreshInterval,
    });
    schedules.add('AuthorizerSweep', {
      description: 'Queues authorizer tokens due for a refresh and authorization codes to exchange; publishes the gauges',
      schedule: scheduler.ScheduleExpression.rate(sweepInterval),
      target: this.authorizerWorker,
      input: { action: 'schedule' },
      maxEventAge: sweepInterval,
    });
    schedules.add('AuthorizerReconcile', {
      description: 'Compares WeChat’s list of authorizers with the store and reports drift (changes nothing)',
      schedule: scheduler.ScheduleExpression.rate(Duration.days(1)),
      target: this.authorizerWorker,
      input: { action: 'reconcile' },
      maxEventAge: Duration.hours(6),
    });
    this.alarms = new ComponentAlarms(this, 'Alarms', {
      namespace: metricsNamespace,
      refresher: this.tokenRefresher,
      pushReceiver: this.pushReceiver,
      ...(this.h5OAuth ? { h5OAuthFunction: this.h5OAuth.function } : {}),
      httpApi: this.api.httpApi,
      deadLetterQueue: schedules.deadLetterQueue,
      refreshMargin,
      refreshInterval,
      ...(props.alarmTopic ? { alarmTopic: props.alarmTopic } : {}),
      authorizers: { worker: this.authorizerWorker, page: this.authorizationPage, jobs: this.authorizerJobs, sweepInterval, refreshMargin },
    });
  }

  /**
   * Permissions only, as every aws-cdk grant: the least a token reader needs. GetItem on the token item only,
   * kms:Decrypt of tokens of this component only, and invoking the refresher's `reader` alias for an on-demand
   * refresh (not the function itself: only operators may force a refresh). Nothing else: no secret, no write, no
   * kms:Encrypt. A Lambda function also needs the reader's environment: see `configureTokenReader`.
   */
  grantReadComponentToken(grantee: iam.IGrantable): iam.Grant {
    return this.refresher.grantReadToken(grantee);
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

  /**
   * Permissions only, as every aws-cdk grant: the least an authorizer token reader needs. GetItem on the authorizer
   * items limited to their status and sealed access token (`dynamodb:Attributes`: never a refresh token), kms:Decrypt
   * of authorizer access tokens of this component only, and invoking the authorizer worker's `reader` alias for a
   * refresh (reader-miss, invalidate), never the function itself, which would let it skip a backoff. A Lambda function
   * also needs the reader's environment: see `configureAuthorizerTokenReader`.
   */
  grantReadAuthorizerTokens(grantee: iam.IGrantable): iam.Grant {
    return this.worker.grantReadTokens(grantee);
  }

  /**
   * Makes `fn` an authorizer token reader: sets the environment variables `createAuthorizerTokenReaderFromEnv()` reads
   * (WECHAT_COMPONENT_APPID, WECHAT_TABLE_NAME, WECHAT_KMS_KEY_ID, WECHAT_AUTHORIZER_WORKER_FUNCTION), keeping the
   * rest of its environment, and gives it `grantReadAuthorizerTokens`.
   *
   * @example
   * component.configureAuthorizerTokenReader(fn);
   * // in fn: const authorizerTokens = createAuthorizerTokenReaderFromEnv(); (module scope)
   * // authorizerTokens.withAuthorizerAccessToken(authorizerAppid, (token) => callWechat(token));
   */
  configureAuthorizerTokenReader(fn: lambda.Function): iam.Grant {
    fn.addEnvironment(ENV.componentAppid, this.componentAppid);
    fn.addEnvironment(ENV.tableName, this.table.tableName);
    fn.addEnvironment(ENV.kmsKeyId, this.key.keyArn);
    fn.addEnvironment(ENV.authorizerWorkerFunction, this.authorizerWorkerReaderAlias.functionArn);
    return this.grantReadAuthorizerTokens(fn);
  }
}
