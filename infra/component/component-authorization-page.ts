import { Duration, Tokenization } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ENV, partitionPattern, ROUTES } from '../../shared/contract';
import { nagAcknowledgements } from '../nag-acknowledgements';
import type { AuthorizerJobs } from './component-authorizer-jobs';
import type { EgressNetwork } from './component-egress';
import { ComponentFunction, type HandlerProps } from './component-function';
import { DirectKeyUse } from './component-key';
import { grantSecretValue } from './component-secret';
import { grantItems } from './component-table';

export interface ComponentAuthorizationPageProps extends HandlerProps {
  readonly httpApi: apigw.HttpApi;
  /** The /authorize and /authorize/callback URLs, on one host: the authorization initiation domain. */
  readonly pageUrl: string;
  readonly callbackUrl: string;
  readonly linkSecret: secretsmanager.ISecret;
  readonly jobs: AuthorizerJobs;
  readonly refreshMargin: Duration;
  readonly pageMode: 'signed' | 'open';
  readonly preAuthCodesPerMinute: number;
  /** WechatComponent.configureTokenReader: api_create_preauthcode and api_query_auth take the component token. */
  readonly configureTokenReader: (fn: lambda.Function) => iam.Grant;
  readonly network?: EgressNetwork;
}

/**
 * The authorization page behind GET /authorize (a signed link → a fresh pre_auth_code and both consent links) and GET
 * /authorize/callback (record the code, queue it, exchange it under the claim). It calls WeChat, so it runs in the
 * egress network; it reads the component token like any consumer.
 */
export class ComponentAuthorizationPage extends ComponentFunction {
  constructor(scope: Construct, id: string, props: ComponentAuthorizationPageProps) {
    super(scope, id, {
      bundle: 'authorization-page',
      description: 'WeChat component: authorization page (authorization links) and its callback',
      // The callback may wait for the component token (15 s) and for another exchange (5 s); HTTP APIs give up at 30 s.
      timeout: Duration.seconds(29),
      environment: {
        ...props.environment,
        [ENV.authorizationPageUrl]: props.pageUrl,
        [ENV.authorizationCallbackUrl]: props.callbackUrl,
        [ENV.authorizationLinkSecretArn]: props.linkSecret.secretArn,
        [ENV.authorizationPageMode]: props.pageMode,
        [ENV.preAuthCodesPerMinute]: Tokenization.stringifyNumber(props.preAuthCodesPerMinute),
        [ENV.authorizerJobsQueueUrl]: props.jobs.queue.queueUrl,
        [ENV.authorizerRefreshMarginSec]: Tokenization.stringifyNumber(props.refreshMargin.toSeconds()),
      },
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      ...(props.network ? { vpc: props.network } : {}),
    });
    const { table, componentAppid: appid } = props;
    const keyUse = new DirectKeyUse(this, props.key, appid);

    props.configureTokenReader(this.function);
    grantSecretValue(props.linkSecret, this.role);
    // The per-minute counters of pre-auth codes and callbacks (conditional ADD).
    grantItems(table, this.role, ['UpdateItem'], [partitionPattern('preAuthCodeRate', appid)]);
    // A code arrives like the push's (Put, else Update) and is exchanged under its claim; the exchange writes the
    // authorizer and the result page reads its name back.
    grantItems(table, this.role, ['GetItem', 'PutItem', 'UpdateItem'], [partitionPattern('authorizationCodes', appid)]);
    grantItems(table, this.role, ['GetItem', 'UpdateItem'], [partitionPattern('authorizers', appid)]);
    props.jobs.grantSend(this.role);
    keyUse.grant(this.role, 'kms:GenerateDataKey', ['authorization_code', 'authorizer_access_token', 'authorizer_refresh_token']);
    keyUse.grant(this.role, 'kms:Decrypt', ['authorization_code']);

    const integration = new HttpLambdaIntegration('AuthorizationPage', this.function);
    for (const path of [ROUTES.authorizationPage, ROUTES.authorizationCallback]) {
      for (const route of props.httpApi.addRoutes({ path, methods: [apigw.HttpMethod.GET], integration }))
        nagAcknowledgements.publicAuthorizationRoute(route);
    }
  }
}
