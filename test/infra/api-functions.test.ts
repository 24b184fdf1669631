import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPushDepsFromEnv } from '../../functions/push-receiver/deps';
import { createRefresherDepsFromEnv } from '../../functions/token-refresher/deps';
import type { WechatComponentStack } from '../../infra/wechat-component-stack';
import {
  actionsOf,
  arnOf,
  buildAppStack,
  buildComponentStack,
  CDK_TIMEOUT_MS,
  CERTIFICATE_ARN,
  customDomainStack,
  DOMAIN_NAME,
  defaultStack,
  deployedEnv,
  functionEnv,
  logicalIdOf,
  onlyResourceOf,
  resourcesOf,
  roleIdOf,
  roleStatements,
} from './stacks';

const PUSH_ROUTE_KEY = 'POST /wechat/component/events';
const ENI_ACTIONS = ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface'];

let stack: WechatComponentStack;
let template: Template;
let domainTemplate: Template;
let receiverId: string;
let refresherId: string;

beforeAll(() => {
  stack = defaultStack();
  template = Template.fromStack(stack);
  domainTemplate = Template.fromStack(customDomainStack());
  receiverId = logicalIdOf(stack.component.pushReceiver);
  refresherId = logicalIdOf(stack.component.tokenRefresher);
}, CDK_TIMEOUT_MS);

describe('WechatComponent HTTP API', { timeout: CDK_TIMEOUT_MS }, () => {
  it('routes POST /wechat/component/events to the push receiver', () => {
    const route = resourcesOf(template, 'AWS::ApiGatewayV2::Route').find(
      ([, r]) => r.Properties!.RouteKey === 'POST /wechat/component/events',
    );

    expect(route).toBeDefined();
    const integrationId = (JSON.stringify(route![1].Properties!.Target).match(/"Ref":"([^"]+)"/) ?? [])[1];
    expect(integrationId).toBeDefined();
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', { IntegrationType: 'AWS_PROXY', IntegrationUri: arnOf(receiverId) });
    expect(Object.keys(template.findResources('AWS::ApiGatewayV2::Integration'))).toContain(integrationId);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: arnOf(receiverId),
      Principal: 'apigateway.amazonaws.com',
    });
  });

  it('serves a throttled $default stage that deploys automatically', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
    });
  });

  it('gives the push route a throttle of its own, above the stage default the sign-in routes get', () => {
    const [stageId, stage] = onlyResourceOf(template, 'AWS::ApiGatewayV2::Stage');
    const [routeId] = resourcesOf(template, 'AWS::ApiGatewayV2::Route').find(([, r]) => r.Properties!.RouteKey === PUSH_ROUTE_KEY)!;

    expect(stage.Properties!.RouteSettings).toEqual({ [PUSH_ROUTE_KEY]: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 } });
    expect(stage.Properties!.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 });
    // CloudFormation refuses RouteSettings naming a route that does not exist yet.
    expect(template.findResources('AWS::ApiGatewayV2::Stage')[stageId]!.DependsOn).toContain(routeId);
  });

  it('applies the pushThrottle prop to the push route', () => {
    const { stack: throttled } = buildComponentStack(() => ({
      throttle: { rateLimit: 5, burstLimit: 10 },
      pushThrottle: { rateLimit: 50, burstLimit: 80 },
    }));

    Template.fromStack(throttled).hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
      RouteSettings: { [PUSH_ROUTE_KEY]: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 80 } },
    });
  });

  it('throws naming pushThrottle when it is not above the default throttle', () => {
    const cases = [
      { throttle: { rateLimit: 100, burstLimit: 150 } },
      { pushThrottle: { rateLimit: 20, burstLimit: 200 } },
      { pushThrottle: { rateLimit: 100, burstLimit: 40 } },
    ];

    for (const props of cases) {
      expect(() => buildComponentStack(() => props), JSON.stringify(props)).toThrow(
        'WechatComponent: pushThrottle must be above throttle in both rateLimit and burstLimit',
      );
    }
  });

  it('throws naming the throttle whose limits are not positive (burst a whole number)', () => {
    expect(() => buildComponentStack(() => ({ pushThrottle: { rateLimit: 0, burstLimit: 200 } }))).toThrow(
      /WechatComponent: pushThrottle\.rateLimit must be a positive number/,
    );
    expect(() => buildComponentStack(() => ({ pushThrottle: { rateLimit: 100, burstLimit: 200.5 } }))).toThrow(
      /WechatComponent: pushThrottle\.burstLimit must be a positive whole number/,
    );
    expect(() => buildComponentStack(() => ({ throttle: { rateLimit: -1, burstLimit: 40 } }))).toThrow(
      /WechatComponent: throttle\.rateLimit must be a positive number/,
    );
  });

  it('applies the throttle prop to the stage', () => {
    const { stack: throttled } = buildComponentStack(() => ({ throttle: { rateLimit: 3, burstLimit: 6 } }));

    Template.fromStack(throttled).hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 3, ThrottlingBurstLimit: 6 },
    });
  });

  it('writes access logs to a log group with a retention', () => {
    const [, stage] = onlyResourceOf(template, 'AWS::ApiGatewayV2::Stage');
    const destination = (stage.Properties!.AccessLogSettings as { DestinationArn: { 'Fn::GetAtt': [string, string] } }).DestinationArn;
    const logGroupId = destination['Fn::GetAtt'][0];

    expect(destination).toEqual(arnOf(logGroupId));
    expect(template.findResources('AWS::Logs::LogGroup')[logGroupId]).toMatchObject({ Properties: { RetentionInDays: 90 } });
  });

  it('logs request id, source IP and status but never the query string, which carries signatures and OAuth codes', () => {
    const [, stage] = onlyResourceOf(template, 'AWS::ApiGatewayV2::Stage');
    const format = (stage.Properties!.AccessLogSettings as { Format: string }).Format;

    const fields = JSON.parse(format) as Record<string, string>;
    expect(Object.values(fields)).toEqual(expect.arrayContaining(['$context.requestId', '$context.identity.sourceIp', '$context.status']));
    expect(format).not.toMatch(/querystring|queryString|requestUri|rawQueryString|\$input|\$request\./i);
  });

  it('leaves the execute-api endpoint on without a custom domain', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: false });
    template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
  });

  it('maps a custom domain to the $default stage and disables the execute-api endpoint', () => {
    domainTemplate.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: true });
    domainTemplate.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: DOMAIN_NAME,
      DomainNameConfigurations: [Match.objectLike({ CertificateArn: CERTIFICATE_ARN })],
    });
    const [domainId] = onlyResourceOf(domainTemplate, 'AWS::ApiGatewayV2::DomainName');
    const [apiId] = onlyResourceOf(domainTemplate, 'AWS::ApiGatewayV2::Api');
    domainTemplate.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', {
      ApiId: { Ref: apiId },
      DomainName: { Ref: domainId },
      Stage: '$default',
    });
  });
});

describe('WechatComponent functions', { timeout: CDK_TIMEOUT_MS }, () => {
  it('run Node.js 24 on arm64 with active tracing and the bundle’s index.handler', () => {
    for (const id of [receiverId, refresherId]) {
      expect(template.findResources('AWS::Lambda::Function')[id]).toMatchObject({
        Properties: { Runtime: 'nodejs24.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' }, Handler: 'index.handler' },
      });
    }
  });

  it('give the receiver 10 s (inside API Gateway’s 30 s) and the refresher 30 s (three WeChat attempts)', () => {
    const functions = template.findResources('AWS::Lambda::Function');

    expect(functions[receiverId]!.Properties.Timeout).toBe(10);
    expect(functions[refresherId]!.Properties.Timeout).toBe(30);
  });

  it('log to a log group of their own, with a retention', () => {
    const groups = template.findResources('AWS::Logs::LogGroup');

    const used = [receiverId, refresherId].map((id) => {
      const fn = template.findResources('AWS::Lambda::Function')[id]!;
      return (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    });

    expect(new Set(used).size).toBe(2);
    for (const group of used) expect(groups[group]).toMatchObject({ Properties: { RetentionInDays: 90 } });
  });

  it('use the logRetention prop for function and access logs', () => {
    const { stack: shortLogs } = buildComponentStack(() => ({ logRetention: logs.RetentionDays.ONE_WEEK }));

    const groups = resourcesOf(Template.fromStack(shortLogs), 'AWS::Logs::LogGroup').filter(([id]) => !id.includes('FlowLogs'));

    // The receiver, the refresher, the authorizer worker, the authorization page and the API's access logs.
    expect(groups.length).toBe(5);
    for (const [, group] of groups) expect(group.Properties!.RetentionInDays).toBe(7);
  });

  it('have roles of their own with no managed policies', () => {
    const roles = resourcesOf(template, 'AWS::IAM::Role');

    expect(roles.map(([id]) => id)).toEqual(
      expect.arrayContaining([roleIdOf(stack.component.pushReceiver), roleIdOf(stack.component.tokenRefresher)]),
    );
    for (const [id, role] of roles) expect(role.Properties!.ManagedPolicyArns, id).toBeUndefined();
  });

  it('put the refresher in the private egress subnets behind a security group that allows only TCP 443 out', () => {
    const refresher = template.findResources('AWS::Lambda::Function')[refresherId]!;
    const vpcConfig = refresher.Properties.VpcConfig as {
      SubnetIds: Array<{ Ref: string }>;
      SecurityGroupIds: Array<{ 'Fn::GetAtt': [string, string] }>;
    };
    const subnets = template.findResources('AWS::EC2::Subnet');

    expect(vpcConfig.SubnetIds).toHaveLength(2);
    for (const { Ref } of vpcConfig.SubnetIds) {
      expect(subnets[Ref]!.Properties.MapPublicIpOnLaunch).toBe(false);
      expect(subnets[Ref]!.Properties.Tags).toContainEqual({ Key: 'aws-cdk:subnet-type', Value: 'Private' });
    }
    expect(vpcConfig.SecurityGroupIds).toHaveLength(1);
    const group = template.findResources('AWS::EC2::SecurityGroup')[vpcConfig.SecurityGroupIds[0]!['Fn::GetAtt'][0]]!;
    expect(group.Properties.SecurityGroupEgress).toEqual([
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' }),
    ]);
    expect(group.Properties.SecurityGroupIngress).toBeUndefined();
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
  });

  it('give the refresher’s role the network-interface permissions a VPC Lambda needs', () => {
    const eniStatement = roleStatements(template, roleIdOf(stack.component.tokenRefresher)).find((s) =>
      actionsOf(s).includes('ec2:CreateNetworkInterface'),
    );

    expect(eniStatement).toBeDefined();
    expect(actionsOf(eniStatement!)).toEqual(expect.arrayContaining(ENI_ACTIONS));
  });

  it('reserve no concurrency by default: new accounts (quota 10) cannot reserve any', () => {
    const functions = template.findResources('AWS::Lambda::Function');

    for (const [id, fn] of Object.entries(functions)) expect(fn.Properties.ReservedConcurrentExecutions, id).toBeUndefined();
  });

  it('reserve pushReceiverReservedConcurrency for the receiver alone', () => {
    const { stack: reserved, component } = buildComponentStack(() => ({ pushReceiverReservedConcurrency: 5 }));
    const functions = Template.fromStack(reserved).findResources('AWS::Lambda::Function');

    expect(functions[logicalIdOf(component.pushReceiver)]!.Properties.ReservedConcurrentExecutions).toBe(5);
    expect(functions[logicalIdOf(component.tokenRefresher)]!.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  it('reserve receiver concurrency from the pushReceiverReservedConcurrency context setting', () => {
    const reserved = buildAppStack({ pushReceiverReservedConcurrency: '10' });

    const fn = Template.fromStack(reserved).findResources('AWS::Lambda::Function')[logicalIdOf(reserved.component.pushReceiver)]!;

    expect(fn.Properties.ReservedConcurrentExecutions).toBe(10);
  });

  it('throw naming pushReceiverReservedConcurrency when it is not a positive whole number', () => {
    for (const value of [0, -1, 2.5]) {
      expect(() => buildComponentStack(() => ({ pushReceiverReservedConcurrency: value })), String(value)).toThrow(
        'WechatComponent: pushReceiverReservedConcurrency must be a whole number of 1 or more',
      );
    }
  });

  it('keep the receiver out of the VPC, without network-interface permissions', () => {
    const receiver = template.findResources('AWS::Lambda::Function')[receiverId]!;

    expect(receiver.Properties.VpcConfig).toBeUndefined();
    const actions = roleStatements(template, roleIdOf(stack.component.pushReceiver)).flatMap(actionsOf);
    expect(actions.filter((action) => action.startsWith('ec2:'))).toEqual([]);
  });
});

describe('WechatComponent function environments against the handlers’ config', { timeout: CDK_TIMEOUT_MS }, () => {
  it('give the push receiver everything its cold start requires', () => {
    const env = deployedEnv(functionEnv(template, receiverId));

    expect(() => createPushDepsFromEnv({ env })).not.toThrow();
  });

  it('give the token refresher everything its cold start requires, with the margin the construct was given', () => {
    const { stack: custom, component } = buildComponentStack(() => ({ refreshMargin: Duration.minutes(20) }));
    const env = deployedEnv(functionEnv(Template.fromStack(custom), logicalIdOf(component.tokenRefresher)));

    const deps = createRefresherDepsFromEnv({ env });

    expect(deps.refreshMarginMs).toBe(20 * 60 * 1000);
    expect(() => createRefresherDepsFromEnv({ env: deployedEnv(functionEnv(template, refresherId)) })).not.toThrow();
  });
});
