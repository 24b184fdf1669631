import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { createH5OAuthDepsFromEnv } from '../../functions/h5-oauth/deps';
import type { WechatComponentStack } from '../../infra/wechat-component-stack';
import {
  ALLOWED_RETURN_TO,
  actionsOf,
  arnOf,
  buildComponentStack,
  CDK_TIMEOUT_MS,
  CONFIGURED_AUTHORIZER_APPID,
  customDomainStack,
  DEPLOYED_API_BASE,
  DOMAIN_NAME,
  defaultStack,
  deployedEnv,
  EXISTING_TOPIC_ARN,
  functionEnv,
  H5_OAUTH_CONTEXT,
  h5OAuthStack,
  logicalIdOf,
  resourcesOf,
  roleIdOf,
  roleStatements,
  TEST_APPID,
} from './stacks';

const H5_OAUTH_ROUTES = [
  'GET /h5-oauth/start',
  'GET /h5-oauth/callback',
  'GET /h5-oauth/session',
  'POST /h5-oauth/session',
  'DELETE /h5-oauth/session',
  'OPTIONS /h5-oauth/session',
];
const API_BASE = DEPLOYED_API_BASE;

let stack: WechatComponentStack;
let template: Template;
let plain: WechatComponentStack;
let plainTemplate: Template;
let h5Id: string;

beforeAll(() => {
  stack = h5OAuthStack();
  template = Template.fromStack(stack);
  plain = defaultStack();
  plainTemplate = Template.fromStack(plain);
  h5Id = logicalIdOf(stack.component.h5OAuth!.function);
}, CDK_TIMEOUT_MS);

const lambdaFunction = (t: Template, id: string) => t.findResources('AWS::Lambda::Function')[id]!;
const routeKeys = (t: Template) => resourcesOf(t, 'AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties!.RouteKey as string);
const alarmsNamed = (t: Template, name: string) =>
  resourcesOf(t, 'AWS::CloudWatch::Alarm').filter(([id]) => id.startsWith(`ComponentAlarms${name}`));
const onlyAlarmNamed = (t: Template, name: string) => {
  const found = alarmsNamed(t, name);
  if (found.length !== 1) throw new Error(`expected one alarm ${name}, found ${found.length}`);
  return found[0]![1];
};

describe('WechatComponent h5-oauth function', { timeout: CDK_TIMEOUT_MS }, () => {
  it('runs Node.js 24 on arm64 with active tracing, the bundle’s index.handler and 29 s, inside the HTTP API’s 30 s', () => {
    expect(lambdaFunction(template, h5Id)).toMatchObject({
      Properties: {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Handler: 'index.handler',
        Timeout: 29,
      },
    });
  });

  it('runs in the egress VPC like the refresher, since WeChat checks the caller IP of sns/oauth2/component too', () => {
    const refresher = lambdaFunction(template, logicalIdOf(stack.component.tokenRefresher));

    const vpcConfig = lambdaFunction(template, h5Id).Properties.VpcConfig;

    expect(vpcConfig).toBeDefined();
    expect(vpcConfig).toEqual(refresher.Properties.VpcConfig);
    const actions = roleStatements(template, roleIdOf(stack.component.h5OAuth!.function)).flatMap(actionsOf);
    expect(actions).toEqual(
      expect.arrayContaining(['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface']),
    );
  });

  it('stays out of any VPC, without network-interface permissions, with lambda egress', () => {
    const lambdaEgress = h5OAuthStack({ egress: 'lambda' });
    const t = Template.fromStack(lambdaEgress);
    const fn = lambdaEgress.component.h5OAuth!.function;

    expect(lambdaFunction(t, logicalIdOf(fn)).Properties.VpcConfig).toBeUndefined();
    expect(
      roleStatements(t, roleIdOf(fn))
        .flatMap(actionsOf)
        .filter((a) => a.startsWith('ec2:')),
    ).toEqual([]);
  });

  it('logs to a log group of its own, with the stack’s retention', () => {
    const groupOf = (id: string) => (lambdaFunction(template, id).Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    const others = [stack.component.pushReceiver, stack.component.tokenRefresher].map((fn) => groupOf(logicalIdOf(fn)));

    const group = groupOf(h5Id);

    expect(others).not.toContain(group);
    expect(template.findResources('AWS::Logs::LogGroup')[group]).toMatchObject({ Properties: { RetentionInDays: 90 } });
  });
});

describe('WechatComponent h5-oauth routes', { timeout: CDK_TIMEOUT_MS }, () => {
  it('send GET /h5-oauth/start, GET /h5-oauth/callback and GET, POST, DELETE (logout) and OPTIONS /h5-oauth/session to the sign-in function', () => {
    const routes = resourcesOf(template, 'AWS::ApiGatewayV2::Route');
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration');

    expect(
      routeKeys(template)
        .filter((key) => key.includes('/h5-oauth/'))
        .sort(),
    ).toEqual([...H5_OAUTH_ROUTES].sort());
    for (const key of H5_OAUTH_ROUTES) {
      const [, route] = routes.find(([, r]) => r.Properties!.RouteKey === key)!;
      const integrationId = (JSON.stringify(route.Properties!.Target).match(/"Ref":"([^"]+)"/) ?? [])[1]!;
      expect(integrations[integrationId], key).toMatchObject({ Properties: { IntegrationType: 'AWS_PROXY', IntegrationUri: arnOf(h5Id) } });
    }
  });

  it('let API Gateway invoke the sign-in function on the sign-in paths only', () => {
    const permissions = resourcesOf(template, 'AWS::Lambda::Permission').filter(
      ([, p]) => JSON.stringify(p.Properties!.FunctionName) === JSON.stringify(arnOf(h5Id)),
    );

    const paths = permissions.map(([, p]) => {
      expect(p.Properties!.Principal).toBe('apigateway.amazonaws.com');
      const parts = (p.Properties!.SourceArn as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
      return parts[parts.length - 1];
    });

    expect(new Set(paths)).toEqual(new Set(['/*/*/h5-oauth/start', '/*/*/h5-oauth/callback', '/*/*/h5-oauth/session']));
    expect(paths).toHaveLength(H5_OAUTH_ROUTES.length);
  });
});

describe('WechatComponent h5-oauth environment', { timeout: CDK_TIMEOUT_MS }, () => {
  it('holds names and URLs only: the token-reader variables, the session secret’s ARN and the sign-in settings', () => {
    const env = functionEnv(template, h5Id);

    expect(Object.keys(env).sort()).toEqual(
      [
        'NODE_OPTIONS',
        'POWERTOOLS_METRICS_NAMESPACE',
        'WECHAT_COMPONENT_APPID',
        'WECHAT_TABLE_NAME',
        'WECHAT_KMS_KEY_ID',
        'WECHAT_REFRESHER_FUNCTION',
        'WECHAT_H5_OAUTH_SESSION_SECRET_ARN',
        'WECHAT_H5_OAUTH_CALLBACK_URL',
        'WECHAT_H5_OAUTH_ALLOWED_RETURN_TO',
        'WECHAT_AUTHORIZER_APPIDS',
        'WECHAT_H5_OAUTH_COOKIE_BINDING',
      ].sort(),
    );
    expect(env).toMatchObject({
      WECHAT_COMPONENT_APPID: TEST_APPID,
      WECHAT_TABLE_NAME: { Ref: logicalIdOf(stack.component.table) },
      WECHAT_KMS_KEY_ID: arnOf(logicalIdOf(stack.component.key)),
      WECHAT_REFRESHER_FUNCTION: { Ref: logicalIdOf(stack.component.tokenRefresherReaderAlias) },
      WECHAT_H5_OAUTH_SESSION_SECRET_ARN: { Ref: logicalIdOf(stack.component.h5OAuth!.sessionSecret) },
      WECHAT_H5_OAUTH_CALLBACK_URL: {
        'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalIdOf(stack.component.api.httpApi), 'ApiEndpoint'] }, '/h5-oauth/callback']],
      },
      WECHAT_H5_OAUTH_ALLOWED_RETURN_TO: ALLOWED_RETURN_TO.join(','),
      WECHAT_AUTHORIZER_APPIDS: CONFIGURED_AUTHORIZER_APPID,
      WECHAT_H5_OAUTH_COOKIE_BINDING: 'on',
    });
    // No appsecret: sign-in reads the component token like any consumer.
    expect(Object.keys(env).filter((name) => /SECRET|TOKEN|AES|PASSWORD|TICKET/i.test(name))).toEqual([
      'WECHAT_H5_OAUTH_SESSION_SECRET_ARN',
    ]);
  });

  it('is everything the function’s cold start requires, and reads back as the settings the stack was given', () => {
    const deps = createH5OAuthDepsFromEnv({ env: deployedEnv(functionEnv(template, h5Id)) });

    expect(deps.componentAppid).toBe(TEST_APPID);
    expect(deps.callbackUrl).toBe(`${API_BASE}/h5-oauth/callback`);
    expect(deps.returnToRules).toEqual([
      { origin: 'https://h5.example.com', pathPrefix: '/app/' },
      { origin: 'https://m.example.com', pathPrefix: '/' },
    ]);
    expect([...deps.configuredAuthorizers]).toEqual([CONFIGURED_AUTHORIZER_APPID]);
    expect(deps.cookieBinding).toBe(true);
  });

  it('passes cookie binding off and an empty authorizer list through from the settings', () => {
    const variant = h5OAuthStack({ h5OAuthCookieBinding: 'off', authorizerAppids: '' });
    const env = functionEnv(Template.fromStack(variant), logicalIdOf(variant.component.h5OAuth!.function));

    const deps = createH5OAuthDepsFromEnv({ env: deployedEnv(env) });

    expect([env.WECHAT_H5_OAUTH_COOKIE_BINDING, env.WECHAT_AUTHORIZER_APPIDS]).toEqual(['off', '']);
    expect(deps.cookieBinding).toBe(false);
    expect(deps.configuredAuthorizers.size).toBe(0);
  });

  it('binds sign-ins to the browser’s cookie and configures no authorizers when the construct’s h5OAuth gives neither', () => {
    const { stack: built, component } = buildComponentStack(() => ({ h5OAuth: { allowedReturnTo: ALLOWED_RETURN_TO } }));
    const env = functionEnv(Template.fromStack(built), logicalIdOf(component.h5OAuth!.function));

    const deps = createH5OAuthDepsFromEnv({ env: deployedEnv(env) });

    expect([env.WECHAT_H5_OAUTH_COOKIE_BINDING, env.WECHAT_AUTHORIZER_APPIDS]).toEqual(['on', '']);
    expect(deps.cookieBinding).toBe(true);
    expect(deps.configuredAuthorizers.size).toBe(0);
  });

  it('gives the callback URL on the custom domain when there is one', () => {
    const variant = customDomainStack(H5_OAUTH_CONTEXT);
    const env = functionEnv(Template.fromStack(variant), logicalIdOf(variant.component.h5OAuth!.function));

    const deps = createH5OAuthDepsFromEnv({ env: deployedEnv(env) });

    expect(env.WECHAT_H5_OAUTH_CALLBACK_URL).toBe(`https://${DOMAIN_NAME}/h5-oauth/callback`);
    expect(deps.callbackUrl).toBe(`https://${DOMAIN_NAME}/h5-oauth/callback`);
  });

  it('starts the function with every allowedReturnTo the construct accepts', () => {
    const accepted = [
      'https://h5.example.com',
      'https://h5.example.com/app/',
      'https://m.example.com:8443/a/b',
      'https://h5.example.com/%E4%B8%AD/',
    ];

    for (const entry of accepted) {
      const { stack: built, component } = buildComponentStack(() => ({ h5OAuth: { allowedReturnTo: [entry] } }));
      const env = deployedEnv(functionEnv(Template.fromStack(built), logicalIdOf(component.h5OAuth!.function)));

      expect(() => createH5OAuthDepsFromEnv({ env }), entry).not.toThrow();
    }
  });
});

describe('WechatComponent H5 revoked sessions (logout)', { timeout: CDK_TIMEOUT_MS }, () => {
  const statementsOn = (partition: string) =>
    roleStatements(template, roleIdOf(stack.component.h5OAuth!.function)).filter((s) =>
      JSON.stringify(s.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] ?? []).includes(partition),
    );

  it('lets the sign-in role GetItem and PutItem on SESSION_REVOKED#{appid}#* only, no other action, no other partition in that statement', () => {
    const statements = statementsOn('SESSION_REVOKED#');

    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        Resource: arnOf(logicalIdOf(stack.component.table)),
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`SESSION_REVOKED#${TEST_APPID}#*`] } },
      },
    ]);
  });

  it('gives no other role of the stack the revoked-session partition', () => {
    const h5OAuthRole = roleIdOf(stack.component.h5OAuth!.function);
    const policies = resourcesOf(template, 'AWS::IAM::Policy').filter(
      ([, policy]) => !JSON.stringify(policy.Properties!.Roles).includes(h5OAuthRole),
    );

    expect(policies.length).toBeGreaterThan(0);
    for (const [id, policy] of policies) expect(JSON.stringify(policy.Properties), id).not.toContain('SESSION_REVOKED#');
  });
});

describe('WechatComponent H5 session secret', { timeout: CDK_TIMEOUT_MS }, () => {
  it('is generated, 64 letters and digits, and encrypted with the component key', () => {
    const secret = template.findResources('AWS::SecretsManager::Secret')[logicalIdOf(stack.component.h5OAuth!.sessionSecret)]!;

    expect(secret.Properties).toEqual({
      Description: expect.stringContaining('session'),
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true, IncludeSpace: false },
      KmsKeyId: arnOf(logicalIdOf(stack.component.key)),
    });
  });

  it('puts no secret value in the template', () => {
    const text = JSON.stringify(template.toJSON());

    for (const [id, secret] of resourcesOf(template, 'AWS::SecretsManager::Secret'))
      expect(secret.Properties, id).not.toHaveProperty('SecretString');
    expect(text.includes('"SecretString":'), 'a SecretString property').toBe(false);
    expect(text.includes('{{resolve:secretsmanager'), 'a secretsmanager dynamic reference').toBe(false);
  });

  it('is retained by default and deleted with removal policy destroy', () => {
    const destroy = h5OAuthStack({ removalPolicy: 'destroy' });

    const retained = template.findResources('AWS::SecretsManager::Secret')[logicalIdOf(stack.component.h5OAuth!.sessionSecret)]!;
    const deleted =
      Template.fromStack(destroy).findResources('AWS::SecretsManager::Secret')[logicalIdOf(destroy.component.h5OAuth!.sessionSecret)]!;

    expect(retained).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(deleted).toMatchObject({ DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
  });
});

describe('WechatComponent h5-oauth alarm', { timeout: CDK_TIMEOUT_MS }, () => {
  it('fires when the sign-in function throws in a 5-minute period, not on missing data', () => {
    const alarm = onlyAlarmNamed(template, 'H5OAuthErrors');

    expect(alarm.Properties).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: h5Id } }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(resourcesOf(template, 'AWS::CloudWatch::Alarm')).toHaveLength(resourcesOf(plainTemplate, 'AWS::CloudWatch::Alarm').length + 1);
  });

  it('does not exist without sign-in', () => {
    expect(alarmsNamed(plainTemplate, 'H5OAuthErrors')).toEqual([]);
  });

  it('notifies the alarm topic like the other alarms', () => {
    const withTopic = Template.fromStack(h5OAuthStack({ alarmTopicArn: EXISTING_TOPIC_ARN }));

    const alarm = onlyAlarmNamed(withTopic, 'H5OAuthErrors');

    expect(alarm.Properties).toMatchObject({ AlarmActions: [EXISTING_TOPIC_ARN], OKActions: [EXISTING_TOPIC_ARN] });
  });

  it('graphs the sign-in function’s errors on the dashboard', () => {
    const [, dashboard] = resourcesOf(template, 'AWS::CloudWatch::Dashboard')[0]!;

    expect(JSON.stringify(dashboard.Properties!.DashboardBody)).toContain(JSON.stringify({ Ref: h5Id }));
  });
});

describe('WechatComponent without h5OAuth', { timeout: CDK_TIMEOUT_MS }, () => {
  it('creates no sign-in function, session secret or /oauth route', () => {
    expect(plain.component.h5OAuth).toBeUndefined();
    expect(resourcesOf(plainTemplate, 'AWS::Lambda::Function').map(([, fn]) => fn.Properties!.Description)).not.toContainEqual(
      expect.stringMatching(/h5-oauth/),
    );
    expect(routeKeys(plainTemplate).filter((key) => key.includes('/oauth'))).toEqual([]);
    expect(resourcesOf(plainTemplate, 'AWS::SecretsManager::Secret').map(([id]) => id)).toEqual([
      logicalIdOf(plain.component.secret),
      logicalIdOf(plain.component.authorizationLinkSecret),
    ]);
    expect(JSON.stringify(plainTemplate.toJSON())).not.toContain('/oauth/');
  });

  it('differs from the sign-in stack only by sign-in resources', () => {
    const h5OAuthOnly = (id: string) => /^ComponentH5OAuth|oauth/i.test(id);
    const ids = (t: Template) => Object.keys(t.toJSON().Resources as object);

    const added = ids(template).filter((id) => !ids(plainTemplate).includes(id));

    expect(added.length).toBeGreaterThan(0);
    expect(added.filter((id) => !h5OAuthOnly(id) && !id.startsWith('ComponentAlarmsH5OAuthErrors'))).toEqual([]);
    expect(ids(plainTemplate).filter((id) => !ids(template).includes(id))).toEqual([]);
  });
});
