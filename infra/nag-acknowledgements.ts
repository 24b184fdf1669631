import { CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';

// The bare rule id, as cdk-nag documents it: cdk-nag's own check (validateScope, and validate during synth) matches
// acknowledgements by that id. A plugin-qualified 'AwsSolutions::…' id is honoured only by CDK's synth-time report
// filter, so cdk-nag itself would still report every finding.
const ack = (scope: IConstruct, rule: string, reason: string) => Validations.of(scope).acknowledge({ id: `AwsSolutions-${rule}`, reason });

/** How cdk-nag names a resource in its finding ids: the CloudFormation logical id. */
function logicalId(construct: IConstruct): string {
  const element = construct.node.defaultChild ?? construct;
  if (!(element instanceof CfnElement)) throw new Error(`no CloudFormation resource under ${construct.node.path}`);
  const stack = Stack.of(element);
  return stack.resolve(stack.getLogicalId(element)) as string;
}

/**
 * cdk-nag AwsSolutions findings the WechatComponent accepts, each on the narrowest construct, naming the exact
 * resource where the finding does, and with the reason a reviewer needs. They live beside the construct so that a
 * user who adds it to their own nag-checked stack sees no findings either.
 */
export const nagAcknowledgements = {
  secretWithoutRotation(secret: IConstruct): void {
    ack(
      secret,
      'SMG4',
      'The appsecret is reset in the WeChat Open Platform console, and the message token and EncodingAESKey must equal the console settings; no Lambda could rotate them, so rotation is a manual, documented step.',
    );
  },

  functionRole(role: IConstruct, logGroup: logs.ILogGroup): void {
    ack(
      role,
      'IAM5[Resource::*]',
      'X-Ray PutTraceSegments/PutTelemetryRecords and, for functions in a VPC, the network-interface actions Lambda needs do not support resource-level permissions.',
    );
    ack(
      role,
      `IAM5[Resource::<${logicalId(logGroup)}.Arn>:*]`,
      'Log streams are created at run time inside the function’s own log group; only that group is granted.',
    );
  },

  unauthenticatedPushRoute(route: IConstruct): void {
    ack(
      route,
      'APIG4',
      'WeChat calls the authorization event receive URL without credentials of ours; each push is authenticated by its msg_signature (SHA-1 over the message token and the ciphertext), checked before anything else.',
    );
  },

  scheduleDeadLetterQueue(queue: IConstruct): void {
    ack(queue, 'SQS3', 'This queue is itself the dead-letter queue of the schedules (refresher, authorizer sweep and reconcile).');
  },

  jobsDeadLetterQueue(queue: IConstruct): void {
    ack(queue, 'SQS3', 'This queue is itself the dead-letter queue of the authorizer jobs queue; its depth is alarmed.');
  },

  schedulerInvokeRole(target: lambda.IFunction): void {
    // CDK creates the Scheduler's role once per stack, outside this construct, so the acknowledgement sits on the
    // stack but names the exact resource the finding is about.
    ack(
      Stack.of(target),
      `IAM5[Resource::<${logicalId(target)}.Arn>:*]`,
      'CDK’s Scheduler target grants invoke on the scheduled function and on its versions and aliases (`:*`): the same function.',
    );
  },

  linkSecretWithoutRotation(secret: IConstruct): void {
    ack(
      secret,
      'SMG4',
      'Rotating the authorization-link key voids every link an operator has sent; an operator does it deliberately (put a new random value), not on a schedule.',
    );
  },

  publicAuthorizationRoute(route: IConstruct): void {
    ack(
      route,
      'APIG4',
      'Administrators open the authorization page from a link and WeChat redirects their browser to the callback, with no credential of ours: /authorize checks the link’s HMAC signature and expiry (or is open by the operator’s choice), and the callback accepts only codes WeChat issued, exchanged once under a claim.',
    );
  },

  sessionSecretWithoutRotation(secret: IConstruct): void {
    ack(
      secret,
      'SMG4',
      'Rotating the session-signing key signs every user out; an operator does it deliberately (put a new random value), not on a schedule.',
    );
  },

  publicH5OAuthRoute(route: IConstruct): void {
    ack(
      route,
      'APIG4',
      'h5-oauth routes are called by browsers before any credential exists: /h5-oauth/start and /h5-oauth/callback are protected by the state and its browser-binding cookie, /h5-oauth/session by the single-use login code or the signed session token, all checked in the function.',
    );
  },
};
