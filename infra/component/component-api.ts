import { Fn, type RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ROUTES } from '../../shared/contract';
import { nagAcknowledgements } from '../nag-acknowledgements';

/** The route WeChat pushes to: the one route with a throttle of its own. */
export const PUSH_ROUTE_KEY = `POST ${ROUTES.pushEvents}`;

/** Requests per second (steady) and burst (bucket size, a whole number), as API Gateway takes them. */
export interface Throttle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

export interface ComponentApiProps {
  pushReceiver: lambda.IFunction;
  domain?: { domainName: string; certificate: acm.ICertificate };
  /** The stage default: every route but the push route (the authorization and sign-in routes). */
  throttle: Throttle;
  /** The push route's own throttle. */
  pushThrottle: Throttle;
  logRetention: logs.RetentionDays;
  removalPolicy: RemovalPolicy;
}

/**
 * The HTTP API: throttled, access-logged (no query strings: they carry signatures and OAuth codes). The push route
 * has a throttle of its own, above the stage default, so sign-in traffic at its limit cannot get WeChat's pushes
 * answered with 429.
 */
export class ComponentApi extends Construct {
  readonly httpApi: apigw.HttpApi;
  /** https://host with no trailing slash: the custom domain when given, else the API's execute-api endpoint. */
  readonly baseUrl: string;
  /** The host of `baseUrl`: the custom domain name, else `{apiId}.execute-api.{region}.amazonaws.com`. */
  readonly host: string;

  constructor(scope: Construct, id: string, props: ComponentApiProps) {
    super(scope, id);
    const domainName = props.domain
      ? new apigw.DomainName(this, 'DomainName', { domainName: props.domain.domainName, certificate: props.domain.certificate })
      : undefined;
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: 'WeChat component service: authorization event receive URL, authorization page and h5-oauth',
      createDefaultStage: false,
      // With a custom domain, the execute-api URL would be a second way in that bypasses the domain's TLS policy.
      disableExecuteApiEndpoint: domainName !== undefined,
    });
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: props.logRetention, removalPolicy: props.removalPolicy });
    const stage = new apigw.HttpStage(this, 'DefaultStage', {
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
      path: ROUTES.pushEvents,
      methods: [apigw.HttpMethod.POST],
      integration: new HttpLambdaIntegration('PushReceiver', props.pushReceiver),
    });
    nagAcknowledgements.unauthenticatedPushRoute(pushRoute!);
    // HttpStage has no per-route settings; the CloudFormation stage takes them keyed by route key. CloudFormation
    // refuses settings for a route that does not exist yet, hence the dependency.
    // The property is untyped JSON, passed through as is: hence CloudFormation's own capitalized names.
    const cfnStage = stage.node.defaultChild as apigw.CfnStage;
    cfnStage.routeSettings = {
      [PUSH_ROUTE_KEY]: { ThrottlingRateLimit: props.pushThrottle.rateLimit, ThrottlingBurstLimit: props.pushThrottle.burstLimit },
    };
    stage.node.addDependency(pushRoute!);
    this.baseUrl = domainName ? `https://${props.domain!.domainName}` : this.httpApi.apiEndpoint;
    // The endpoint is `https://{host}`: its third slash-separated part.
    this.host = domainName ? props.domain!.domainName : Fn.select(2, Fn.split('/', this.httpApi.apiEndpoint));
  }
}
