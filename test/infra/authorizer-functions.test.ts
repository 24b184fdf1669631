import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAuthorizationPageDepsFromEnv } from '../../functions/authorization-page/deps';
import { createAuthorizerWorkerDepsFromEnv } from '../../functions/authorizer-worker/deps';
import type { WechatComponentStack } from '../../infra/wechat-component-stack';
import {
  arnOf,
  buildAppStack,
  buildComponentStack,
  CDK_TIMEOUT_MS,
  customDomainStack,
  DEPLOYED_API_BASE,
  DOMAIN_NAME,
  defaultStack,
  deployedEnv,
  functionEnv,
  logicalIdOf,
  onlyResourceOf,
  resourcesOf,
} from './stacks';

let stack: WechatComponentStack;
let template: Template;
let workerId: string;
let pageId: string;

beforeAll(() => {
  stack = defaultStack();
  template = Template.fromStack(stack);
  workerId = logicalIdOf(stack.component.authorizerWorker);
  pageId = logicalIdOf(stack.component.authorizationPage);
}, CDK_TIMEOUT_MS);

const lambdaFunction = (t: Template, id: string) => t.findResources('AWS::Lambda::Function')[id]!;
const queueOf = (t: Template, id: string) => t.findResources('AWS::SQS::Queue')[id]!;

describe('WechatComponent authorization routes', { timeout: CDK_TIMEOUT_MS }, () => {
  it('route GET /authorize and GET /authorize/callback to the authorization page, and nothing else to it', () => {
    const routes = resourcesOf(template, 'AWS::ApiGatewayV2::Route').filter(([, r]) =>
      String(r.Properties!.RouteKey).includes('/authorize'),
    );
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration');

    expect(routes.map(([, r]) => r.Properties!.RouteKey).sort()).toEqual(['GET /authorize', 'GET /authorize/callback']);
    for (const [, route] of routes) {
      const integrationId = /"Ref":"([^"]+)"/.exec(JSON.stringify(route.Properties!.Target))![1]!;
      expect(integrations[integrationId]!.Properties.IntegrationUri).toEqual(arnOf(pageId));
    }
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: arnOf(pageId),
      Principal: 'apigateway.amazonaws.com',
    });
  });

  it('give them the stage throttle, below the push route’s, so a flood on the page cannot crowd out WeChat’s pushes', () => {
    const [, stage] = onlyResourceOf(template, 'AWS::ApiGatewayV2::Stage');

    expect(Object.keys(stage.Properties!.RouteSettings as object)).toEqual(['POST /wechat/component/events']);
    expect(stage.Properties!.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 });
  });
});

describe('WechatComponent authorizer functions', { timeout: CDK_TIMEOUT_MS }, () => {
  it('run Node.js 24 on arm64 with active tracing, the worker for 5 minutes, the page inside API Gateway’s 30 s', () => {
    for (const id of [workerId, pageId]) {
      expect(lambdaFunction(template, id)).toMatchObject({
        Properties: { Runtime: 'nodejs24.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' }, Handler: 'index.handler' },
      });
    }
    expect(lambdaFunction(template, workerId).Properties.Timeout).toBe(300);
    expect(lambdaFunction(template, pageId).Properties.Timeout).toBe(29);
  });

  it('run both in the egress network, since both call WeChat, with the refresher’s security group', () => {
    const refresher = lambdaFunction(template, logicalIdOf(stack.component.tokenRefresher));

    for (const id of [workerId, pageId]) expect(lambdaFunction(template, id).Properties.VpcConfig).toEqual(refresher.Properties.VpcConfig);
  });
});

describe('WechatComponent authorizer jobs queue', { timeout: CDK_TIMEOUT_MS }, () => {
  const jobs = () => stack.component.authorizerJobs;

  it('is encrypted, refuses non-TLS access, hides a delivered batch for six worker timeouts and dead-letters after 5 deliveries', () => {
    const queue = queueOf(template, logicalIdOf(jobs().queue));

    expect(queue.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 6 * 300,
      RedrivePolicy: { deadLetterTargetArn: arnOf(logicalIdOf(jobs().deadLetterQueue)), maxReceiveCount: 5 },
    });
    expect(queueOf(template, logicalIdOf(jobs().deadLetterQueue)).Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    for (const queueId of [logicalIdOf(jobs().queue), logicalIdOf(jobs().deadLetterQueue)]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId }],
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    }
  });

  it('feeds the worker (unqualified) in batches of 10 with partial batch failures, at most 5 invocations at once', () => {
    const [, source] = onlyResourceOf(template, 'AWS::Lambda::EventSourceMapping');

    expect(source.Properties).toMatchObject({
      EventSourceArn: arnOf(logicalIdOf(jobs().queue)),
      FunctionName: { Ref: workerId },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  it('applies the authorizerConcurrency prop to the event source', () => {
    const { stack: busy } = buildComponentStack(() => ({ authorizerConcurrency: 20 }));

    const [, source] = onlyResourceOf(Template.fromStack(busy), 'AWS::Lambda::EventSourceMapping');

    expect(source.Properties!.ScalingConfig).toEqual({ MaximumConcurrency: 20 });
  });
});

describe('WechatComponent authorizer function environments against the handlers’ config', { timeout: CDK_TIMEOUT_MS }, () => {
  it('give the worker everything its cold start requires: the queue, the margin, the page URL and the link secret', () => {
    const env = functionEnv(template, workerId);

    const deps = createAuthorizerWorkerDepsFromEnv({ env: deployedEnv(env) });

    expect(deps.refreshMarginMs).toBe(900_000);
    expect(env).toMatchObject({
      WECHAT_AUTHORIZER_JOBS_QUEUE_URL: { Ref: logicalIdOf(stack.component.authorizerJobs.queue) },
      WECHAT_AUTHORIZATION_LINK_SECRET_ARN: { Ref: logicalIdOf(stack.component.authorizationLinkSecret) },
      WECHAT_REFRESHER_FUNCTION: { Ref: logicalIdOf(stack.component.tokenRefresherReaderAlias) },
    });
    expect(env).not.toHaveProperty('WECHAT_SECRET_ARN');
  });

  it('give the page everything its cold start requires, with the page and callback on one host', () => {
    const deps = createAuthorizationPageDepsFromEnv({ env: deployedEnv(functionEnv(template, pageId)) });

    expect(deps.callbackUrl).toBe(`${DEPLOYED_API_BASE}/authorize/callback`);
    expect(deps.pageMode).toBe('signed');
    expect(functionEnv(template, pageId)).not.toHaveProperty('WECHAT_SECRET_ARN');
  });

  it('give the page and worker their URLs on the custom domain when there is one', () => {
    const domain = customDomainStack();
    const t = Template.fromStack(domain);

    expect(functionEnv(t, logicalIdOf(domain.component.authorizationPage))).toMatchObject({
      WECHAT_AUTHORIZATION_PAGE_URL: `https://${DOMAIN_NAME}/authorize`,
      WECHAT_AUTHORIZATION_CALLBACK_URL: `https://${DOMAIN_NAME}/authorize/callback`,
    });
    expect(functionEnv(t, logicalIdOf(domain.component.authorizerWorker)).WECHAT_AUTHORIZATION_PAGE_URL).toBe(
      `https://${DOMAIN_NAME}/authorize`,
    );
  });

  it('apply the authorizationPageMode, preAuthCodesPerMinute and refreshMargin props', () => {
    const { stack: custom, component } = buildComponentStack(() => ({
      authorizationPageMode: 'open',
      preAuthCodesPerMinute: 5,
      refreshMargin: Duration.minutes(20),
    }));
    const t = Template.fromStack(custom);

    const page = createAuthorizationPageDepsFromEnv({ env: deployedEnv(functionEnv(t, logicalIdOf(component.authorizationPage))) });
    const worker = createAuthorizerWorkerDepsFromEnv({ env: deployedEnv(functionEnv(t, logicalIdOf(component.authorizerWorker))) });

    expect(page.pageMode).toBe('open');
    expect(functionEnv(t, logicalIdOf(component.authorizationPage)).WECHAT_PRE_AUTH_CODES_PER_MINUTE).toBe('5');
    expect([page.refreshMarginMs, worker.refreshMarginMs]).toEqual([20 * 60_000, 20 * 60_000]);
  });
});

describe('WechatComponentStack authorizer settings from CDK context', { timeout: CDK_TIMEOUT_MS }, () => {
  it('take authorizationPageMode, preAuthCodesPerMinute, authorizerConcurrency and authorizerSweepIntervalMinutes', () => {
    const built = buildAppStack({
      authorizationPageMode: 'open',
      preAuthCodesPerMinute: '7',
      authorizerConcurrency: '8',
      authorizerSweepIntervalMinutes: '10',
    });
    const t = Template.fromStack(built);

    const env = functionEnv(t, logicalIdOf(built.component.authorizationPage));
    const [, source] = onlyResourceOf(t, 'AWS::Lambda::EventSourceMapping');

    expect(env).toMatchObject({ WECHAT_AUTHORIZATION_PAGE_MODE: 'open', WECHAT_PRE_AUTH_CODES_PER_MINUTE: '7' });
    expect(source.Properties!.ScalingConfig).toEqual({ MaximumConcurrency: 8 });
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(10 minutes)',
      Target: Match.objectLike({ Input: JSON.stringify({ action: 'schedule' }) }),
    });
  });
});
