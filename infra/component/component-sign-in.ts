import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config/env-names';
import { nagAcknowledgements } from '../nag-acknowledgements';
import { API_PATHS } from './component-api';
import type { EgressNetwork } from './component-egress';
import { ComponentFunction, HANDLER_ENTRY } from './component-function';
import { grantKeyUse, grantKeyViaService } from './component-key';
import { grantItems, partitionOf } from './component-table';

/** H5 sign-in settings (see README "Add WeChat sign-in to your H5 page"). */
export interface SignInProps {
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

export interface ComponentSignInProps extends SignInProps {
  componentAppid: string;
  table: dynamodb.ITable;
  key: kms.IKey;
  httpApi: apigw.HttpApi;
  apiBaseUrl: string;
  commonEnvironment: Record<string, string>;
  /** Grants the token-reader permissions and sets the reader's environment. */
  grantReadComponentToken: (grantee: iam.IGrantable) => void;
  /** The refresher's reader alias (ARN), which the token reader invokes. */
  refresherReaderArn: string;
  network?: EgressNetwork;
  logRetention: logs.RetentionDays;
  removalPolicy: RemovalPolicy;
}

/**
 * The h5-oauth function behind /oauth/start, /oauth/callback and /oauth/session (GET, POST, DELETE), with its own
 * session-signing secret. It reads the component token like any consumer (it never sees the appsecret), and it runs
 * in the egress network because WeChat checks the caller IP of sns/oauth2/component/* as well.
 */
export class ComponentSignIn extends Construct {
  readonly function: ComponentFunction;
  readonly sessionSecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: ComponentSignInProps) {
    super(scope, id);
    const appid = props.componentAppid;
    this.sessionSecret = new secretsmanager.Secret(this, 'SessionSecret', {
      description: `WeChat component ${appid}: key that signs H5 session tokens (HS256)`,
      encryptionKey: props.key,
      removalPolicy: props.removalPolicy,
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
    });
    nagAcknowledgements.sessionSecretWithoutRotation(this.sessionSecret);

    this.function = new ComponentFunction(this, 'H5OAuth', {
      entry: HANDLER_ENTRY.h5OAuth,
      description: 'WeChat component: H5 sign-in on behalf of authorized official accounts',
      // The token reader may wait up to 15 s for a refresh; HTTP APIs give up at 30 s.
      timeout: Duration.seconds(29),
      environment: {
        ...props.commonEnvironment,
        [ENV.refresherFunctionName]: props.refresherReaderArn,
        [ENV.sessionSecretArn]: this.sessionSecret.secretArn,
        [ENV.oauthCallbackUrl]: `${props.apiBaseUrl}${API_PATHS.oauthCallback}`,
        [ENV.oauthAllowedReturnTo]: props.allowedReturnTo.join(','),
        [ENV.authorizerAppids]: (props.authorizerAppids ?? []).join(','),
        [ENV.oauthCookieBinding]: props.cookieBinding === false ? 'off' : 'on',
      },
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      ...(props.network ? { vpc: props.network } : {}),
    });
    const role = this.function.role;
    props.grantReadComponentToken(role);
    iam.Grant.addToPrincipal({ grantee: role, actions: ['secretsmanager:GetSecretValue'], resourceArns: [this.sessionSecret.secretArn] });
    grantKeyViaService(props.key, role, 'secretsmanager', ['kms:Decrypt']);
    grantItems(props.table, props.key, role, ['GetItem'], [partitionOf.authorizers(appid)]);
    grantItems(props.table, props.key, role, ['GetItem', 'PutItem', 'UpdateItem'], [partitionOf.oauthStates(appid), partitionOf.users(appid)]);
    grantItems(props.table, props.key, role, ['PutItem', 'DeleteItem'], [partitionOf.loginCodes(appid)]);
    // Logout writes a session's jti, every session read checks it; nothing ever updates or deletes one.
    grantItems(props.table, props.key, role, ['GetItem', 'PutItem'], [partitionOf.revokedSessions(appid)]);
    grantKeyUse(props.key, role, 'kms:Encrypt', appid, ['user_oauth_tokens']);

    const integration = new HttpLambdaIntegration('H5OAuth', this.function.function);
    const routes = [
      ...props.httpApi.addRoutes({ path: API_PATHS.oauthStart, methods: [apigw.HttpMethod.GET], integration }),
      ...props.httpApi.addRoutes({ path: API_PATHS.oauthCallback, methods: [apigw.HttpMethod.GET], integration }),
      ...props.httpApi.addRoutes({
        path: API_PATHS.oauthSession,
        methods: [apigw.HttpMethod.GET, apigw.HttpMethod.POST, apigw.HttpMethod.DELETE, apigw.HttpMethod.OPTIONS],
        integration,
      }),
    ];
    for (const route of routes) nagAcknowledgements.publicSignInRoute(route);
  }
}
