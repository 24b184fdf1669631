import { Duration } from 'aws-cdk-lib';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ENV, partitionPattern } from '../../shared/contract';
import { ComponentFunction, type HandlerProps, handlerEntry } from './component-function';
import { DirectKeyUse } from './component-key';
import { grantSecretValue } from './component-secret';
import { grantItems } from './component-table';

export interface ComponentPushReceiverProps extends HandlerProps {
  /** The component secret: the message token and EncodingAESKey check and open each push. */
  readonly secret: secretsmanager.ISecret;
  readonly reservedConcurrentExecutions?: number;
}

/**
 * The function behind the authorization event receive URL: it checks, opens and stores WeChat's pushes (tickets and
 * authorization events). It never calls WeChat, so it stays out of the egress network.
 */
export class ComponentPushReceiver extends ComponentFunction {
  constructor(scope: Construct, id: string, props: ComponentPushReceiverProps) {
    super(scope, id, {
      entry: handlerEntry('push-receiver'),
      description: 'WeChat component: authorization event receive URL (tickets and authorization events)',
      timeout: Duration.seconds(10),
      environment: { ...props.environment, [ENV.secretArn]: props.secret.secretArn },
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      ...(props.reservedConcurrentExecutions !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions } : {}),
    });
    const { table, componentAppid: appid } = props;
    const keyUse = new DirectKeyUse(this, props.key, appid);
    grantSecretValue(props.secret, this.role);
    // Each partition gets only the actions its items need (README "Table design"): tickets, events and audit records
    // are put, authorizer status is updated; the token and the refresher's state are out of reach.
    grantItems(
      table,
      this.role,
      ['PutItem'],
      [partitionPattern('ticket', appid), partitionPattern('events', appid), partitionPattern('audit', appid)],
    );
    grantItems(table, this.role, ['UpdateItem'], [partitionPattern('authorizers', appid)]);
    keyUse.grant(this.role, 'kms:Encrypt', ['component_verify_ticket']);
    // Event payloads can exceed what KMS Encrypt takes (4 KiB): they are envelope-sealed with a data key per payload.
    keyUse.grant(this.role, 'kms:GenerateDataKey', ['authorization_event']);
  }
}
