import { Duration } from 'aws-cdk-lib';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ENV, partitionPattern } from '../../shared/contract';
import type { AuthorizerJobs } from './component-authorizer-jobs';
import { ComponentFunction, type HandlerProps } from './component-function';
import { DirectKeyUse } from './component-key';
import { grantSecretValue } from './component-secret';
import { grantItems } from './component-table';

/**
 * What an `unauthorized` push changes on the authorizer item (shared/store/authorizer-store.ts revoke): status and
 * event time, the access token and the due-index entry removed. The refresh tokens are not among them, so the receiver
 * can neither read nor blank one.
 */
const REVOCATION_ATTRIBUTES = [
  'authorizerAppid',
  'status',
  'statusKey',
  'lastEventCreateTime',
  'revokedAtMs',
  'updatedAtMs',
  'accessToken',
  'accessTokenSha256',
  'expiresAtMs',
  'fetchedAtMs',
  'dueKey',
  'dueAtMs',
  'leaseHolder',
  'leaseUntilMs',
];

export interface ComponentPushReceiverProps extends HandlerProps {
  /** The component secret: the message token and EncodingAESKey check and open each push. */
  readonly secret: secretsmanager.ISecret;
  /** Where the codes of `authorized` / `updateauthorized` pushes are queued for the worker's exchange. */
  readonly jobs: AuthorizerJobs;
  readonly reservedConcurrentExecutions?: number;
}

/**
 * The function behind the authorization event receive URL: it checks, opens and stores WeChat's pushes (tickets and
 * authorization events), records authorization codes and queues their exchange, and revokes authorizers. It never calls
 * WeChat, so it stays out of the egress network.
 */
export class ComponentPushReceiver extends ComponentFunction {
  constructor(scope: Construct, id: string, props: ComponentPushReceiverProps) {
    super(scope, id, {
      bundle: 'push-receiver',
      description: 'WeChat component: authorization event receive URL (tickets and authorization events)',
      timeout: Duration.seconds(10),
      environment: {
        ...props.environment,
        [ENV.secretArn]: props.secret.secretArn,
        [ENV.authorizerJobsQueueUrl]: props.jobs.queue.queueUrl,
      },
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      ...(props.reservedConcurrentExecutions !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions } : {}),
    });
    const { table, componentAppid: appid } = props;
    const keyUse = new DirectKeyUse(this, props.key, appid);
    grantSecretValue(props.secret, this.role);
    // Each partition gets only the actions its items need (README "Table design"): tickets, events and audit records
    // are put; an authorization code is put on its first arrival, else updated, and read back; an authorizer is only
    // revoked (a conditional update). The token, the refresher's state and every token inside an authorizer item
    // are out of reach: it can neither read nor open them.
    grantItems(
      table,
      this.role,
      ['PutItem'],
      [partitionPattern('ticket', appid), partitionPattern('events', appid), partitionPattern('audit', appid)],
    );
    grantItems(table, this.role, ['GetItem', 'PutItem', 'UpdateItem'], [partitionPattern('authorizationCodes', appid)]);
    grantItems(table, this.role, ['UpdateItem'], [partitionPattern('authorizers', appid)], { attributes: REVOCATION_ATTRIBUTES });
    props.jobs.grantSend(this.role);
    keyUse.grant(this.role, 'kms:Encrypt', ['component_verify_ticket']);
    // Event payloads can exceed what KMS Encrypt takes (4 KiB): they are envelope-sealed with a data key per payload,
    // and so are authorization codes (sealed like the tokens they become, which the receiver never opens).
    keyUse.grant(this.role, 'kms:GenerateDataKey', ['authorization_event', 'authorization_code']);
  }
}
