import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { nagAcknowledgements } from '../nag-acknowledgements';
import type { EgressNetwork } from './component-egress';
import { type HandlerName, lambdaBundleDir } from './lambda-bundle';

/** What WechatComponent hands each of its functions: the resources they share and the settings of the whole. */
export interface HandlerProps {
  readonly componentAppid: string;
  readonly table: dynamodb.ITable;
  readonly key: kms.IKey;
  /** The variables every handler reads: the appid, table, key and metrics namespace. */
  readonly environment: Record<string, string>;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

export interface ComponentFunctionProps {
  /** Which prebuilt handler bundle to deploy: the only thing infra/ knows about runtime code besides the contract's names. */
  bundle: HandlerName;
  description: string;
  timeout: Duration;
  environment: Record<string, string>;
  logRetention: logs.RetentionDays;
  removalPolicy: RemovalPolicy;
  vpc?: EgressNetwork;
  /** Concurrency set aside for (and capping) this function; none by default. */
  reservedConcurrentExecutions?: number;
}

/**
 * One Lambda function the way every handler here is deployed: Node.js 24 on arm64, from its bundle prebuilt by
 * `npm run build` (minified, source maps, our own pinned AWS SDK inside the bundle), X-Ray tracing, its own log group with a
 * retention, and a role of its own that starts with no permissions beyond writing its logs. Each handler's construct
 * extends it and adds the grants of that handler, next to the code that deploys it.
 */
export class ComponentFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ComponentFunctionProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: props.removalPolicy });
    this.logGroup = logGroup;
    // Our own role instead of the managed basic-execution policy: it may write to this log group only.
    this.role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: props.description });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn, `${logGroup.logGroupArn}:*`],
      }),
    );
    if (props.vpc) {
      // What AWSLambdaVPCAccessExecutionRole holds; CDK adds that managed policy only to roles it creates itself.
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
    }
    this.function = new lambda.Function(this, 'Function', {
      code: lambda.Code.fromAsset(lambdaBundleDir(props.bundle)),
      handler: 'index.handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: props.timeout,
      role: this.role,
      logGroup,
      tracing: lambda.Tracing.ACTIVE,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      ...(props.vpc ? { vpc: props.vpc.vpc, vpcSubnets: props.vpc.subnets, securityGroups: [props.vpc.securityGroup] } : {}),
      ...(props.reservedConcurrentExecutions !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions } : {}),
    });
    nagAcknowledgements.functionRole(this.role, logGroup);
  }
}
