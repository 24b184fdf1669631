import { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { nagAcknowledgements } from '../nag-acknowledgements';

/** Paths WeChat and browsers call. The OAuth paths are reserved for the H5 sign-in function. */
export const API_PATHS = {
  events: '/wechat/component/events',
  oauthStart: '/oauth/start',
  oauthCallback: '/oauth/callback',
  oauthSession: '/oauth/session',
} as const;

export interface ComponentApiProps {
  pushReceiver: lambda.IFunction;
  domain?: { domainName: string; certificate: acm.ICertificate };
  throttle: { rateLimit: number; burstLimit: number };
  logRetention: logs.RetentionDays;
  removalPolicy: RemovalPolicy;
}

/** The HTTP API: throttled, access-logged (no query strings: they carry signatures and OAuth codes). */
export class ComponentApi extends Construct {
  readonly httpApi: apigw.HttpApi;
  /** https://host with no trailing slash: the custom domain when given, else the API's execute-api endpoint. */
  readonly baseUrl: string;

  constructor(scope: Construct, id: string, props: ComponentApiProps) {
    super(scope, id);
    const domainName = props.domain
      ? new apigw.DomainName(this, 'DomainName', { domainName: props.domain.domainName, certificate: props.domain.certificate })
      : undefined;
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: 'WeChat component service: authorization event receive URL and H5 sign-in',
      createDefaultStage: false,
      // With a custom domain, the execute-api URL would be a second way in that bypasses the domain's TLS policy.
      disableExecuteApiEndpoint: domainName !== undefined,
    });
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: props.logRetention, removalPolicy: props.removalPolicy });
    new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            method: '$context.httpMethod',
            path: '$context.path',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
      ...(domainName ? { domainMapping: { domainName } } : {}),
    });
    const [pushRoute] = this.httpApi.addRoutes({
      path: API_PATHS.events,
      methods: [apigw.HttpMethod.POST],
      integration: new HttpLambdaIntegration('PushReceiver', props.pushReceiver),
    });
    nagAcknowledgements.unauthenticatedPushRoute(pushRoute!);
    this.baseUrl = domainName ? `https://${props.domain!.domainName}` : this.httpApi.apiEndpoint;
  }
}
