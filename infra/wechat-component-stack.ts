import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { AppSettings } from './app-settings';
import { WechatComponent, WechatEgress } from './wechat-component';

export interface WechatComponentStackProps extends StackProps {
  readonly settings: AppSettings;
}

/** The deployable stack: one WechatComponent and the outputs an operator copies to the WeChat Open Platform or invokes. */
export class WechatComponentStack extends Stack {
  readonly component: WechatComponent;

  constructor(scope: Construct, id: string, props: WechatComponentStackProps) {
    super(scope, id, props);
    const s = props.settings;
    const removalPolicy = s.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    let alarmTopic: sns.ITopic | undefined;
    if (s.alarmTopicArn) alarmTopic = sns.Topic.fromTopicArn(this, 'AlarmTopic', s.alarmTopicArn);
    else if (s.alarmEmail) {
      const topic = new sns.Topic(this, 'AlarmTopic', { displayName: 'WeChat component alarms', enforceSSL: true });
      topic.addSubscription(new subscriptions.EmailSubscription(s.alarmEmail));
      alarmTopic = topic;
    }
    const egress =
      s.egress === 'lambda'
        ? WechatEgress.lambdaDefault()
        : s.egress === 'vpc'
          ? WechatEgress.existingVpc(ec2.Vpc.fromLookup(this, 'Vpc', { vpcId: s.vpcId! }), s.egressIp ? { egressIp: s.egressIp } : {})
          : WechatEgress.natGateway();

    this.component = new WechatComponent(this, 'Component', {
      componentAppid: s.componentAppid,
      refreshInterval: Duration.minutes(s.refreshIntervalMinutes),
      refreshMargin: Duration.minutes(s.refreshMarginMinutes),
      removalPolicy,
      egress,
      ...(s.secretArn ? { secret: secretsmanager.Secret.fromSecretCompleteArn(this, 'ExistingSecret', s.secretArn) } : {}),
      ...(s.domainName && s.certificateArn
        ? { domain: { domainName: s.domainName, certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', s.certificateArn) } }
        : {}),
      ...(alarmTopic ? { alarmTopic } : {}),
      ...(s.pushReceiverReservedConcurrency !== undefined ? { pushReceiverReservedConcurrency: s.pushReceiverReservedConcurrency } : {}),
      ...(s.authorizerSweepIntervalMinutes !== undefined
        ? { authorizerSweepInterval: Duration.minutes(s.authorizerSweepIntervalMinutes) }
        : {}),
      ...(s.authorizerConcurrency !== undefined ? { authorizerConcurrency: s.authorizerConcurrency } : {}),
      ...(s.preAuthCodesPerMinute !== undefined ? { preAuthCodesPerMinute: s.preAuthCodesPerMinute } : {}),
      ...(s.authorizationPageMode ? { authorizationPageMode: s.authorizationPageMode } : {}),
      ...(s.h5OAuthAllowedReturnTo
        ? {
            h5OAuth: {
              allowedReturnTo: s.h5OAuthAllowedReturnTo,
              cookieBinding: s.h5OAuthCookieBinding,
              ...(s.authorizerAppids ? { authorizerAppids: s.authorizerAppids } : {}),
            },
          }
        : {}),
    });

    const c = this.component;
    new CfnOutput(this, 'EventReceiveUrl', {
      value: c.eventReceiveUrl,
      description: 'Open Platform > third-party platform > development settings: 授权事件接收URL (authorization event receive URL)',
    });
    if (c.h5OAuth) {
      new CfnOutput(this, 'H5OAuthCallbackUrl', {
        value: c.h5OAuthCallbackUrl,
        description: 'h5-oauth callback; register its host as the platform 公众号开发域名 (official account development domain)',
      });
      new CfnOutput(this, 'H5OAuthStartUrl', {
        value: c.h5OAuthStartUrl,
        description:
          'Where an H5 page sends the browser: ?appid=<official account>&scope=snsapi_base|snsapi_userinfo&return_to=<allowed URL>',
      });
    }
    new CfnOutput(this, 'AuthorizationInitiationDomain', {
      value: c.authorizationInitiationDomain,
      description:
        'Open Platform > third-party platform > development settings: 授权发起页域名 (authorization initiation domain), the host of the authorization page',
    });
    new CfnOutput(this, 'AuthorizationPageUrl', {
      value: c.authorizationPageUrl,
      description: 'Where administrators authorize an account: open it through a signed link made by the authorizer worker',
    });
    new CfnOutput(this, 'AuthorizationCallbackUrl', {
      value: c.authorizationCallbackUrl,
      description: 'Where WeChat sends the administrator back after consent (redirect_uri); same host as the authorization page',
    });
    new CfnOutput(this, 'AuthorizerWorkerFunctionName', {
      value: c.authorizerWorker.functionName,
      description:
        'Invoke this name, unqualified, with {"action":"authorization-link","authType":1} for a signed link, or {"action":"import"} to re-import every refresh token WeChat lists',
    });
    new CfnOutput(this, 'AuthorizationLinkSecretArn', {
      value: c.authorizationLinkSecret.secretArn,
      description: 'The key that signs authorization links: put a new random value (at least 32 characters) to void every link sent',
    });
    new CfnOutput(this, 'TableName', {
      value: c.table.tableName,
      description: 'DynamoDB table holding ticket, token, events and audit records',
    });
    new CfnOutput(this, 'KeyArn', { value: c.key.keyArn, description: 'KMS key sealing the ticket, token and event payloads' });
    new CfnOutput(this, 'SecretArn', {
      value: c.secret.secretArn,
      description: 'Set appsecret and token here; token and encodingAesKey must match the Open Platform development settings',
    });
    new CfnOutput(this, 'RefresherFunctionName', {
      value: c.tokenRefresher.functionName,
      description:
        'Invoke this name, unqualified, with {"action":"refresh","reason":"operator"} to refresh now, e.g. after fixing the IP allow list',
    });
    if (c.egressIp) {
      new CfnOutput(this, 'EgressIp', {
        value: c.egressIp,
        description: 'Open Platform > third-party platform > development settings: 白名单IP (IP allow list); else WeChat answers 61004',
      });
    }
  }
}
