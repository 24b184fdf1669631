import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Throttle } from './component/component-api';
import type { WechatEgress } from './component/component-egress';
import type { H5OAuthProps } from './component/component-h5-oauth';

export interface WechatComponentProps {
  /** The third-party platform's component_appid (`wx` + 16 characters). */
  readonly componentAppid: string;
  /**
   * An existing secret holding JSON `{"appsecret","token","encodingAesKey"}`. If it is encrypted with a
   * customer-managed key, import it with that key (`Secret.fromSecretAttributes({ secretCompleteArn, encryptionKey })`)
   * so the functions may decrypt it through Secrets Manager.
   * @default - a new secret encrypted with the component key; you fill in its values after deploying
   */
  readonly secret?: secretsmanager.ISecret;
  /**
   * Your own table instead of a new one. The stores expect a string partition key `pk`, a string sort key `sk`, TTL
   * on the `ttl` attribute and two global secondary indexes: `due` (partition key `dueKey` string, sort key `dueAtMs`
   * number, INCLUDE `expiresAtMs`) and `status` (partition key `statusKey` string, sort key `pk` string, KEYS_ONLY).
   * All of this is checked for a table defined in this app; an imported table cannot be inspected, and without the
   * indexes the authorizer sweep and gauges fail at run time. Keep point-in-time recovery on, since it holds the only
   * copy of the ticket, the tokens and the authorization events. If it is encrypted with a customer-managed key, import
   * it with that key (`Table.fromTableAttributes({ tableArn, encryptionKey })`) and give the same key as `key`.
   * `removalPolicy` does not apply to it.
   * @default - a new table: on demand, point-in-time recovery, TTL on `ttl`, the two indexes, encrypted with the
   * component key
   */
  readonly table?: dynamodb.ITable;
  /**
   * Your own KMS key (symmetric, ENCRYPT_DECRYPT) instead of a new one. It seals the ticket, the token, event payloads
   * and user tokens (with an encryption context per component and purpose), and encrypts the secrets and a new
   * table. The construct names its roles in the policy of a key defined in the same stack; the policy of an imported
   * key, or of a key from another stack, must let the account's IAM policies grant its use (as the default key
   * policy's account statement does), or the functions are denied at run time. `removalPolicy` does not apply to it.
   * @default - a new key with rotation, whose policy allows cryptographic use only to the construct's roles, and
   * through DynamoDB and Secrets Manager
   */
  readonly key?: kms.IKey;
  /**
   * How often the refresher checks the token. A literal: the schedule and the alarms need its value at synthesis.
   * @default Duration.minutes(5)
   */
  readonly refreshInterval?: Duration;
  /**
   * Refresh when the token expires within this, for the component token and the authorizer tokens alike; must exceed
   * `refreshInterval` and `authorizerSweepInterval` so a refresh happens in time. From a CloudFormation parameter, give
   * it in seconds: `Duration.seconds(param.valueAsNumber)`.
   * @default Duration.minutes(15)
   */
  readonly refreshMargin?: Duration;
  /**
   * How often the authorizer worker's sweep queues the authorizer tokens due for a refresh and the authorization codes
   * still to exchange (a Query on the `due` index), and publishes its gauges. A literal of at least a minute: the
   * schedule and the alarms need its value at synthesis.
   * @default Duration.minutes(5)
   */
  readonly authorizerSweepInterval?: Duration;
  /**
   * At most this many authorizer worker invocations run queued jobs at once (the SQS event source's maximum
   * concurrency, 2 to 1000), each with up to 10 jobs: what bounds the calls to WeChat and DynamoDB a sweep causes.
   * @default 5
   */
  readonly authorizerConcurrency?: number;
  /**
   * Who may open the authorization page (GET /authorize): `'signed'` only with a link an operator made (the worker's
   * `authorization-link` action), `'open'` with unsigned `?auth_type=` links too, so merchants can start themselves.
   * @default 'signed'
   */
  readonly authorizationPageMode?: 'signed' | 'open';
  /**
   * `pre_auth_code`s the authorization page creates per UTC minute, all links together: each costs WeChat quota.
   * The callback accepts three times as many authorization codes.
   * @default 20
   */
  readonly preAuthCodesPerMinute?: number;
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
   * How functions that call WeChat reach it; WeChat only accepts allow-listed IPs (errcode 61004). Your own VPC:
   * `WechatEgress.existingVpc(vpc, { subnets, egressIp })`.
   * @default WechatEgress.natGateway()
   */
  readonly egress?: WechatEgress;
  /**
   * What happens to the table, key, secrets and logs the construct creates when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Retention of function and API access logs.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * HTTP API throttling (requests per second, burst) of every route but the push route: the authorization page and
   * its callback, and the h5-oauth routes.
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

/** What an optional prop stands for when it is left out. */
export const PROP_DEFAULTS = {
  refreshInterval: Duration.minutes(5),
  refreshMargin: Duration.minutes(15),
  authorizerSweepInterval: Duration.minutes(5),
  authorizerConcurrency: 5,
  authorizationPageMode: 'signed',
  preAuthCodesPerMinute: 20,
  throttle: { rateLimit: 20, burstLimit: 40 },
  pushThrottle: { rateLimit: 100, burstLimit: 200 },
  removalPolicy: RemovalPolicy.RETAIN,
  logRetention: logs.RetentionDays.THREE_MONTHS,
} as const satisfies Partial<Record<keyof WechatComponentProps, unknown>>;
