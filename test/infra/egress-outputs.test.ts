import { Template } from 'aws-cdk-lib/assertions';
import { CfnEIP, CfnNatGateway, CfnVPC, type ISubnet } from 'aws-cdk-lib/aws-ec2';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WechatComponentStack } from '../../infra/wechat-component-stack';
import {
  arnOf,
  CDK_TIMEOUT_MS,
  customDomainStack,
  DOMAIN_NAME,
  defaultStack,
  EXISTING_EGRESS_IP,
  existingVpcStack,
  H5_OAUTH_CONTEXT,
  h5OAuthStack,
  lambdaEgressStack,
  logicalIdOf,
  onlyResourceOf,
  resourcesOf,
} from './stacks';

type Output = { Value: unknown; Description?: string };

let stack: WechatComponentStack;
let template: Template;
let lambdaStack: WechatComponentStack;
let lambdaTemplate: Template;
let vpcBuilt: ReturnType<typeof existingVpcStack>;
let vpcTemplate: Template;
let h5OAuth: WechatComponentStack;
let h5OAuthTemplate: Template;

beforeAll(() => {
  stack = defaultStack();
  template = Template.fromStack(stack);
  lambdaStack = lambdaEgressStack();
  lambdaTemplate = Template.fromStack(lambdaStack);
  vpcBuilt = existingVpcStack();
  vpcTemplate = Template.fromStack(vpcBuilt.stack);
  h5OAuth = h5OAuthStack();
  h5OAuthTemplate = Template.fromStack(h5OAuth);
}, CDK_TIMEOUT_MS);

const outputs = (t: Template) => (t.toJSON().Outputs ?? {}) as Record<string, Output>;

describe('WechatEgress.natGateway (the default)', { timeout: CDK_TIMEOUT_MS }, () => {
  it('creates a VPC with one NAT gateway that sends traffic from the stack’s Elastic IP', () => {
    const [eipId] = onlyResourceOf(template, 'AWS::EC2::EIP');

    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.hasResourceProperties('AWS::EC2::NatGateway', { AllocationId: { 'Fn::GetAtt': [eipId, 'AllocationId'] } });
  });

  it('keeps DynamoDB traffic on a gateway endpoint, off the NAT gateway', () => {
    const [endpointId, endpoint] = onlyResourceOf(template, 'AWS::EC2::VPCEndpoint');

    expect(endpoint.Properties!.VpcEndpointType, endpointId).toBe('Gateway');
    expect(JSON.stringify(endpoint.Properties!.ServiceName)).toContain('.dynamodb');
  });

  it('records rejected traffic in a flow log with a retention', () => {
    const [, flowLog] = onlyResourceOf(template, 'AWS::EC2::FlowLog');
    const [vpcId] = onlyResourceOf(template, 'AWS::EC2::VPC');
    const groupId = (flowLog.Properties!.LogGroupName as { Ref: string }).Ref;

    expect(flowLog.Properties).toMatchObject({ ResourceId: { Ref: vpcId }, ResourceType: 'VPC', LogDestinationType: 'cloud-watch-logs' });
    expect(template.findResources('AWS::Logs::LogGroup')[groupId]!.Properties.RetentionInDays).toBeGreaterThan(0);
  });

  it('outputs the Elastic IP to put on the component’s IP allow list', () => {
    const [eipId] = onlyResourceOf(template, 'AWS::EC2::EIP');

    expect(outputs(template).EgressIp!.Value).toEqual({ 'Fn::GetAtt': [eipId, 'PublicIp'] });
  });
});

describe('WechatEgress.lambdaDefault', { timeout: CDK_TIMEOUT_MS }, () => {
  it('creates no network and no Elastic IP, and keeps both functions out of any VPC', () => {
    for (const type of ['AWS::EC2::VPC', 'AWS::EC2::EIP', 'AWS::EC2::NatGateway', 'AWS::EC2::SecurityGroup'])
      lambdaTemplate.resourceCountIs(type, 0);
    for (const [id, fn] of resourcesOf(lambdaTemplate, 'AWS::Lambda::Function')) expect(fn.Properties!.VpcConfig, id).toBeUndefined();
  });

  it('outputs no egress IP, since Lambda’s own IPs cannot be allow-listed', () => {
    expect(outputs(lambdaTemplate)).not.toHaveProperty('EgressIp');
    expect(lambdaStack.component.egressIp).toBeUndefined();
  });
});

describe('WechatEgress.existingVpc', { timeout: CDK_TIMEOUT_MS }, () => {
  it('puts the refresher, the authorizer worker and the authorization page in the given VPC’s private subnets, and creates no VPC', () => {
    const { vpc, component } = vpcBuilt;
    const privateSubnets = vpc.privateSubnets.map((subnet: ISubnet) => ({ Ref: logicalIdOf(subnet) }));
    const functions = vpcTemplate.findResources('AWS::Lambda::Function');

    vpcTemplate.resourceCountIs('AWS::EC2::VPC', 1);
    for (const fn of [component.tokenRefresher, component.authorizerWorker, component.authorizationPage])
      expect(functions[logicalIdOf(fn)]!.Properties.VpcConfig.SubnetIds, fn.node.path).toEqual(privateSubnets);
    expect(vpcTemplate.findResources('AWS::EC2::SecurityGroup')).toSatisfy((groups: object) =>
      Object.values(groups).every(
        (group: { Properties: { VpcId: unknown } }) => JSON.stringify(group.Properties.VpcId) === JSON.stringify({ Ref: logicalIdOf(vpc) }),
      ),
    );
  });

  it('creates no VPC, NAT gateway or Elastic IP of its own and reports the egress IP it was given', () => {
    const own = vpcBuilt.component.node.findAll().filter((c) => c instanceof CfnVPC || c instanceof CfnNatGateway || c instanceof CfnEIP);

    expect(own.map((c) => c.node.path)).toEqual([]);
    expect(vpcBuilt.component.egressIp).toBe(EXISTING_EGRESS_IP);
  });
});

describe('WechatComponentStack outputs', { timeout: CDK_TIMEOUT_MS }, () => {
  const endpointUrl = (apiId: string, path: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [apiId, 'ApiEndpoint'] }, path]] });

  it('give the event receive URL on the API endpoint', () => {
    const apiId = logicalIdOf(stack.component.api.httpApi);

    expect(outputs(template).EventReceiveUrl!.Value).toEqual(endpointUrl(apiId, '/wechat/component/events'));
  });

  it('give the OAuth callback and start URLs on the API endpoint when sign-in is on', () => {
    const apiId = logicalIdOf(h5OAuth.component.api.httpApi);

    expect(outputs(h5OAuthTemplate).H5OAuthCallbackUrl!.Value).toEqual(endpointUrl(apiId, '/h5-oauth/callback'));
    expect(outputs(h5OAuthTemplate).H5OAuthStartUrl!.Value).toEqual(endpointUrl(apiId, '/h5-oauth/start'));
  });

  it('give no OAuth callback or start URL without sign-in, since nothing serves them', () => {
    for (const t of [template, lambdaTemplate]) {
      expect(outputs(t)).not.toHaveProperty('H5OAuthCallbackUrl');
      expect(outputs(t)).not.toHaveProperty('H5OAuthStartUrl');
    }
  });

  it('give the URLs on the custom domain when there is one', () => {
    const domainOutputs = outputs(Template.fromStack(customDomainStack(H5_OAUTH_CONTEXT)));

    expect(domainOutputs.EventReceiveUrl!.Value).toBe(`https://${DOMAIN_NAME}/wechat/component/events`);
    expect(domainOutputs.H5OAuthCallbackUrl!.Value).toBe(`https://${DOMAIN_NAME}/h5-oauth/callback`);
    expect(domainOutputs.H5OAuthStartUrl!.Value).toBe(`https://${DOMAIN_NAME}/h5-oauth/start`);
  });

  it('give the authorization page and callback URLs and the initiation domain (the API’s host) to register on the Open Platform', () => {
    const apiId = logicalIdOf(stack.component.api.httpApi);

    expect(outputs(template).AuthorizationPageUrl!.Value).toEqual(endpointUrl(apiId, '/authorize'));
    expect(outputs(template).AuthorizationCallbackUrl!.Value).toEqual(endpointUrl(apiId, '/authorize/callback'));
    expect(outputs(template).AuthorizationInitiationDomain!.Value).toEqual({
      'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [apiId, 'ApiEndpoint'] }] }],
    });
  });

  it('give the initiation domain and the authorization URLs on the custom domain when there is one', () => {
    const domainOutputs = outputs(Template.fromStack(customDomainStack()));

    expect(domainOutputs.AuthorizationInitiationDomain!.Value).toBe(DOMAIN_NAME);
    expect(domainOutputs.AuthorizationPageUrl!.Value).toBe(`https://${DOMAIN_NAME}/authorize`);
    expect(domainOutputs.AuthorizationCallbackUrl!.Value).toBe(`https://${DOMAIN_NAME}/authorize/callback`);
  });

  it('name the authorizer worker operators invoke (links, import) and the link secret they rotate', () => {
    const c = stack.component;

    expect(outputs(template)).toMatchObject({
      AuthorizerWorkerFunctionName: { Value: { Ref: logicalIdOf(c.authorizerWorker) } },
      AuthorizationLinkSecretArn: { Value: { Ref: logicalIdOf(c.authorizationLinkSecret) } },
    });
  });

  it('name the table, key, secret and refresher an operator needs', () => {
    const c = stack.component;

    expect(outputs(template)).toMatchObject({
      TableName: { Value: { Ref: logicalIdOf(c.table) } },
      KeyArn: { Value: arnOf(logicalIdOf(c.key)) },
      SecretArn: { Value: { Ref: logicalIdOf(c.secret) } },
      RefresherFunctionName: { Value: { Ref: logicalIdOf(c.tokenRefresher) } },
    });
  });

  it('each carry a description', () => {
    const all = outputs(template);
    const withH5OAuth = outputs(h5OAuthTemplate);

    expect(Object.keys(all).sort()).toEqual([
      'AuthorizationCallbackUrl',
      'AuthorizationInitiationDomain',
      'AuthorizationLinkSecretArn',
      'AuthorizationPageUrl',
      'AuthorizerWorkerFunctionName',
      'EgressIp',
      'EventReceiveUrl',
      'KeyArn',
      'RefresherFunctionName',
      'SecretArn',
      'TableName',
    ]);
    expect(Object.keys(withH5OAuth).sort()).toEqual([...Object.keys(all), 'H5OAuthCallbackUrl', 'H5OAuthStartUrl'].sort());
    for (const [name, output] of [...Object.entries(all), ...Object.entries(withH5OAuth)])
      expect(output.Description?.length ?? 0, name).toBeGreaterThan(20);
  });
});
