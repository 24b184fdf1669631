import { Duration, Tokenization } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ENV, partitionPattern } from '../../shared/contract';
import type { AuthorizerJobs } from './component-authorizer-jobs';
import type { EgressNetwork } from './component-egress';
import type { HandlerProps } from './component-function';
import { grantSecretValue } from './component-secret';
import { grantIndexQuery, grantItems } from './component-table';
import { TokenKeeperFunction } from './component-token-keeper';

/**
 * Long enough for an operator's import of thousands of authorizers (about three table calls each) and for a batch of
 * ten refreshes that each wait on WeChat's retries; the jobs queue's visibility timeout is six times this.
 */
export const AUTHORIZER_WORKER_TIMEOUT = Duration.minutes(5);

/** SQS messages per invocation: the worker runs them side by side and reports the ones to retry. */
const JOBS_BATCH_SIZE = 10;

/**
 * The attributes an authorizer token reader reads (shared/store/authorizer-store.ts READER_ATTRIBUTES, checked
 * against it by a test): status and the sealed access token, never the refresh tokens, lease or profile.
 */
export const AUTHORIZER_READER_ATTRIBUTES = ['status', 'version', 'accessToken', 'accessTokenSha256', 'expiresAtMs', 'fetchedAtMs'];

/** The `due` and `status` index partitions of one component (shared/store/table-keys.ts), as LeadingKeys patterns. */
const indexPartition = {
  due: (componentAppid: string) => `DUE#${componentAppid}`,
  status: (componentAppid: string) => `STATUS#${componentAppid}#*`,
};

export interface ComponentAuthorizerWorkerProps extends HandlerProps {
  /** Refresh an authorizer's token this long before it expires. */
  readonly refreshMargin: Duration;
  /** The jobs queue it consumes (and sends to, from the sweep). */
  readonly jobs: AuthorizerJobs;
  /** At most this many worker invocations run jobs at once (the SQS event source's maximum concurrency). */
  readonly maxConcurrency: number;
  /** The secret that signs authorization links (read only when an operator asks for a link). */
  readonly linkSecret: secretsmanager.ISecret;
  /** The /authorize URL the links it makes point at. */
  readonly authorizationPageUrl: string;
  /** WechatComponent.configureTokenReader: the worker reads the component token like any consumer. */
  readonly configureTokenReader: (fn: lambda.Function) => iam.Grant;
  readonly network?: EgressNetwork;
}

/**
 * The authorizer worker: refreshes authorizer tokens and exchanges authorization codes (SQS jobs), answers token
 * readers' refresh requests through its `reader` alias (reader-miss and invalidate only, so a reader cannot skip a
 * backoff, sweep or import), runs the due sweep and the daily reconcile (schedules) and operator actions (unqualified
 * invokes). It calls WeChat, so it runs in the egress network. It never reads the appsecret: it reads the component
 * token like any consumer.
 */
export class ComponentAuthorizerWorker extends TokenKeeperFunction {
  constructor(scope: Construct, id: string, props: ComponentAuthorizerWorkerProps) {
    super(scope, id, {
      bundle: 'authorizer-worker',
      description: 'WeChat component: keeps authorizer tokens fresh and exchanges authorization codes',
      timeout: AUTHORIZER_WORKER_TIMEOUT,
      environment: {
        ...props.environment,
        [ENV.authorizerRefreshMarginSec]: Tokenization.stringifyNumber(props.refreshMargin.toSeconds()),
        [ENV.authorizationPageUrl]: props.authorizationPageUrl,
        [ENV.authorizationLinkSecretArn]: props.linkSecret.secretArn,
        [ENV.authorizerJobsQueueUrl]: props.jobs.queue.queueUrl,
      },
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      ...(props.network ? { vpc: props.network } : {}),
      handler: props,
      readerAliasDescription: 'What authorizer token readers invoke: reader-miss and invalidate requests only',
    });
    const { table, componentAppid: appid } = props;
    this.function.addEventSource(
      new SqsEventSource(props.jobs.queue, {
        batchSize: JOBS_BATCH_SIZE,
        reportBatchItemFailures: true,
        maxConcurrency: props.maxConcurrency,
      }),
    );

    props.configureTokenReader(this.function);
    grantSecretValue(props.linkSecret, this.role);
    // The authorizer items (tokens, status, lease) and the codes it exchanges: read and conditionally updated, never
    // put or deleted. It finds work on the sparse indexes, with Queries only.
    grantItems(
      table,
      this.role,
      ['GetItem', 'UpdateItem'],
      [partitionPattern('authorizers', appid), partitionPattern('authorizationCodes', appid)],
    );
    grantIndexQuery(table, this.role, 'due', [indexPartition.due(appid)]);
    grantIndexQuery(table, this.role, 'status', [indexPartition.status(appid)]);
    props.jobs.grantSend(this.role);
    // Seals the tokens WeChat answers, opens the refresh token to refresh and the code to exchange; never opens an
    // access token (readers do) and never seals a code (arrivals do).
    this.keyUse.grant(this.role, 'kms:GenerateDataKey', ['authorizer_access_token', 'authorizer_refresh_token']);
    this.keyUse.grant(this.role, 'kms:Decrypt', ['authorizer_refresh_token', 'authorization_code']);
  }

  /**
   * What an authorizer token reader needs, and nothing more: GetItem on the authorizer items limited to their status
   * and sealed access token, kms:Decrypt of access tokens only, and invoking the reader alias (never the function,
   * $LATEST or a version, which would let it skip a backoff).
   */
  grantReadTokens(grantee: iam.IGrantable): iam.Grant {
    const item = grantItems(this.table, grantee, ['GetItem'], [partitionPattern('authorizers', this.componentAppid)], {
      attributes: AUTHORIZER_READER_ATTRIBUTES,
    });
    const decrypt = this.keyUse.grant(grantee, 'kms:Decrypt', ['authorizer_access_token']);
    return item.combine(decrypt).combine(this.readerAlias.grantInvoke(grantee));
  }
}
