import { Duration, Fn, Token } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ENV, partitionPattern, ROUTES } from '../../shared/contract';
import { nagAcknowledgements } from '../nag-acknowledgements';
import type { EgressNetwork } from './component-egress';
import { ComponentFunction, type HandlerProps } from './component-function';
import { DirectKeyUse } from './component-key';
import { createSigningKeySecret, grantSecretValue } from './component-secret';
import { grantItems } from './component-table';

/** h5-oauth settings (see README "Add WeChat sign-in to your H5 page"). */
export interface H5OAuthProps {
  /** URL prefixes the pages live under (exact origin + path prefix); the only places sign-in returns to. */
  readonly allowedReturnTo: string[];
  /**
   * Official accounts that may use sign-in besides those whose `authorized` event was received.
   * @default - only authorizers known from authorization events
   */
  readonly authorizerAppids?: string[];
  /**
   * Bind each sign-in's callback to its browser with a `__Host-` cookie. Turn off only for webviews that lose cookies:
   * callbacks are then bound to no browser and every replay is refused (PKCE still binds login codes to the page).
   * @default true
   */
  readonly cookieBinding?: boolean;
}

export interface ComponentH5OAuthProps extends HandlerProps, H5OAuthProps {
  readonly httpApi: apigw.HttpApi;
  readonly apiBaseUrl: string;
  /** WechatComponent.configureTokenReader: h5-oauth reads the component token like any consumer. */
  readonly configureTokenReader: (fn: lambda.Function) => iam.Grant;
  readonly network?: EgressNetwork;
}

/**
 * The h5-oauth function behind /h5-oauth/start, /h5-oauth/callback and /h5-oauth/session (GET, POST, DELETE), with its
 * own session-signing secret. It reads the component token like any consumer (it never sees the appsecret), and it runs
 * in the egress network because WeChat checks the caller IP of sns/oauth2/component/* as well.
 */
export class ComponentH5OAuth extends ComponentFunction {
  readonly sessionSecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: ComponentH5OAuthProps) {
    super(scope, id, {
      bundle: 'h5-oauth',
      description: 'WeChat component: h5-oauth on behalf of authorized official accounts',
      // The token reader may wait up to 15 s for a refresh; HTTP APIs give up at 30 s.
      timeout: Duration.seconds(29),
      environment: {
        ...props.environment,
        [ENV.h5OAuthCallbackUrl]: `${props.apiBaseUrl}${ROUTES.h5OAuthCallback}`,
        [ENV.h5OAuthAllowedReturnTo]: commaJoined(props.allowedReturnTo),
        [ENV.authorizerAppids]: commaJoined(props.authorizerAppids ?? []),
        [ENV.h5OAuthCookieBinding]: props.cookieBinding === false ? 'off' : 'on',
      },
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      ...(props.network ? { vpc: props.network } : {}),
    });
    const { table, key, componentAppid: appid } = props;
    const keyUse = new DirectKeyUse(this, key, appid);
    this.sessionSecret = createSigningKeySecret(this, 'SessionSecret', {
      description: `WeChat component ${appid}: key that signs H5 session tokens (HS256)`,
      key,
      removalPolicy: props.removalPolicy,
    });
    nagAcknowledgements.sessionSecretWithoutRotation(this.sessionSecret);
    this.function.addEnvironment(ENV.h5OAuthSessionSecretArn, this.sessionSecret.secretArn);

    props.configureTokenReader(this.function);
    grantSecretValue(this.sessionSecret, this.role);
    // Whether an official account may sign users in: its status only (shared/store/authorizer-store.ts getStatus),
    // never its tokens.
    grantItems(table, this.role, ['GetItem'], [partitionPattern('authorizers', appid)], {
      attributes: ['status', 'lastEventCreateTime'],
    });
    grantItems(
      table,
      this.role,
      ['GetItem', 'PutItem', 'UpdateItem'],
      [partitionPattern('h5OAuthStates', appid), partitionPattern('users', appid)],
    );
    grantItems(table, this.role, ['PutItem', 'DeleteItem'], [partitionPattern('loginCodes', appid)]);
    // Logout writes a session's jti, every session read checks it; nothing ever updates or deletes one.
    grantItems(table, this.role, ['GetItem', 'PutItem'], [partitionPattern('revokedSessions', appid)]);
    keyUse.grant(this.role, 'kms:Encrypt', ['user_oauth_tokens']);

    const integration = new HttpLambdaIntegration('H5OAuth', this.function);
    const routes = [
      ...props.httpApi.addRoutes({ path: ROUTES.h5OAuthStart, methods: [apigw.HttpMethod.GET], integration }),
      ...props.httpApi.addRoutes({ path: ROUTES.h5OAuthCallback, methods: [apigw.HttpMethod.GET], integration }),
      ...props.httpApi.addRoutes({
        path: ROUTES.h5OAuthSession,
        methods: [apigw.HttpMethod.GET, apigw.HttpMethod.POST, apigw.HttpMethod.DELETE, apigw.HttpMethod.OPTIONS],
        integration,
      }),
    ];
    for (const route of routes) nagAcknowledgements.publicH5OAuthRoute(route);
  }
}

/** The list as the function reads it; a list token (a CommaDelimitedList parameter) is joined by CloudFormation. */
function commaJoined(list: string[]): string {
  return Token.isUnresolved(list) ? Fn.join(',', list) : list.join(',');
}
