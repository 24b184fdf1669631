/**
 * Deployment settings, read from CDK context (`-c key=value` or cdk.json) with environment fallbacks.
 * Plain values only: the stack turns them into constructs.
 */
import { APPID_PATTERN } from '../shared/contract';

export interface AppSettings {
  stackName: string;
  componentAppid: string;
  region: string;
  account?: string;
  /** Existing secret (complete ARN) instead of a new one. */
  secretArn?: string;
  /** Custom domain; needs certificateArn (ACM, same region). */
  domainName?: string;
  certificateArn?: string;
  /** SNS topic for alarms, or an e-mail address for a new topic. */
  alarmTopicArn?: string;
  alarmEmail?: string;
  /** 'nat' (default, a NAT gateway with an Elastic IP), 'lambda' (no fixed IP), or 'vpc' with vpcId (and egressIp to output). */
  egress: 'nat' | 'lambda' | 'vpc';
  vpcId?: string;
  egressIp?: string;
  refreshIntervalMinutes: number;
  refreshMarginMinutes: number;
  removalPolicy: 'retain' | 'destroy';
  /** h5-oauth: on when h5OAuthAllowedReturnTo is given (comma-separated URL prefixes). */
  h5OAuthAllowedReturnTo?: string[];
  authorizerAppids?: string[];
  h5OAuthCookieBinding: boolean;
  /** Concurrency reserved for the push receiver; off unless given (new accounts cannot reserve any). */
  pushReceiverReservedConcurrency?: number;
  /** Authorizer settings, the construct's defaults unless given. */
  authorizerSweepIntervalMinutes?: number;
  authorizerConcurrency?: number;
  authorizationPageMode?: 'signed' | 'open';
  preAuthCodesPerMinute?: number;
}

type Lookup = (key: string) => unknown;

/** Reads and checks the settings; every problem names the context key to set, all at once. */
export function readAppSettings(context: Lookup, env: Record<string, string | undefined>): AppSettings {
  const problems: string[] = [];
  const text = (key: string, fallback?: string): string | undefined => {
    const value = context(key);
    if (value === undefined || value === null || value === '') return fallback;
    return String(value);
  };
  const wholeNumber = (key: string, unit: string): number | undefined => {
    const raw = text(key);
    if (raw === undefined) return undefined;
    if (!/^\d+$/.test(raw) || Number(raw) < 1) problems.push(`context ${key} must be a whole number of ${unit}`);
    return Number(raw);
  };
  const minutes = (key: string, fallback: number): number => wholeNumber(key, 'minutes') ?? fallback;

  const componentAppid = text('componentAppid', env.WECHAT_COMPONENT_APPID);
  if (!componentAppid) problems.push('context componentAppid is required: cdk deploy -c componentAppid=wx...');
  else if (!APPID_PATTERN.test(componentAppid)) problems.push('context componentAppid must look like wx followed by 16 letters or digits');
  const region = text('region', env.CDK_DEFAULT_REGION ?? env.AWS_REGION);
  if (!region) problems.push('context region is required (or AWS_REGION): cdk deploy -c region=ap-east-1');
  const egress = text('egress', 'nat');
  if (egress !== 'nat' && egress !== 'lambda' && egress !== 'vpc') problems.push("context egress must be 'nat', 'lambda' or 'vpc'");
  const vpcId = text('vpcId');
  if (egress === 'vpc' && !vpcId) problems.push("context vpcId is required with egress 'vpc'");
  const domainName = text('domainName');
  const certificateArn = text('certificateArn');
  if (Boolean(domainName) !== Boolean(certificateArn)) problems.push('context domainName and certificateArn go together');
  const removalPolicy = text('removalPolicy', 'retain');
  if (removalPolicy !== 'retain' && removalPolicy !== 'destroy') problems.push("context removalPolicy must be 'retain' or 'destroy'");
  const list = (key: string) =>
    (text(key) ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
  const h5OAuthAllowedReturnTo = list('h5OAuthAllowedReturnTo');
  if (h5OAuthAllowedReturnTo.some((entry) => !/^https:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(entry))) {
    problems.push('context h5OAuthAllowedReturnTo must be comma-separated https URL prefixes, e.g. https://h5.example.com/app/');
  }
  const authorizerAppids = list('authorizerAppids');
  if (authorizerAppids.some((entry) => !APPID_PATTERN.test(entry)))
    problems.push('context authorizerAppids must be comma-separated appids');
  if (authorizerAppids.length > 0 && h5OAuthAllowedReturnTo.length === 0)
    problems.push('context authorizerAppids needs h5OAuthAllowedReturnTo (h5-oauth is off without it)');
  const cookieBinding = text('h5OAuthCookieBinding', 'on');
  if (cookieBinding !== 'on' && cookieBinding !== 'off') problems.push("context h5OAuthCookieBinding must be 'on' or 'off'");
  const refreshIntervalMinutes = minutes('refreshIntervalMinutes', 5);
  const refreshMarginMinutes = minutes('refreshMarginMinutes', 15);
  const pushReceiverReservedConcurrency = wholeNumber('pushReceiverReservedConcurrency', 'concurrent executions (1 or more)');
  const authorizerSweepIntervalMinutes = wholeNumber('authorizerSweepIntervalMinutes', 'minutes');
  const authorizerConcurrency = wholeNumber('authorizerConcurrency', 'concurrent executions (2 to 1000)');
  const preAuthCodesPerMinute = wholeNumber('preAuthCodesPerMinute', 'pre-auth codes (1 or more)');
  const authorizationPageMode = text('authorizationPageMode');
  if (authorizationPageMode !== undefined && authorizationPageMode !== 'signed' && authorizationPageMode !== 'open')
    problems.push("context authorizationPageMode must be 'signed' or 'open'");

  if (problems.length > 0) throw new Error(`invalid CDK settings:\n  - ${problems.join('\n  - ')}`);
  const optional = (key: keyof AppSettings, value: string | undefined) => (value ? { [key]: value } : {});
  return {
    stackName: text('stackName', 'WechatComponent')!,
    componentAppid: componentAppid!,
    region: region!,
    ...optional('account', env.CDK_DEFAULT_ACCOUNT),
    ...optional('secretArn', text('secretArn')),
    ...optional('domainName', domainName),
    ...optional('certificateArn', certificateArn),
    ...optional('alarmTopicArn', text('alarmTopicArn')),
    ...optional('alarmEmail', text('alarmEmail')),
    egress: egress as AppSettings['egress'],
    ...optional('vpcId', vpcId),
    ...optional('egressIp', text('egressIp')),
    refreshIntervalMinutes,
    refreshMarginMinutes,
    removalPolicy: removalPolicy as AppSettings['removalPolicy'],
    ...(h5OAuthAllowedReturnTo.length > 0 ? { h5OAuthAllowedReturnTo } : {}),
    ...(authorizerAppids.length > 0 ? { authorizerAppids } : {}),
    h5OAuthCookieBinding: cookieBinding !== 'off',
    ...(pushReceiverReservedConcurrency !== undefined ? { pushReceiverReservedConcurrency } : {}),
    ...(authorizerSweepIntervalMinutes !== undefined ? { authorizerSweepIntervalMinutes } : {}),
    ...(authorizerConcurrency !== undefined ? { authorizerConcurrency } : {}),
    ...(preAuthCodesPerMinute !== undefined ? { preAuthCodesPerMinute } : {}),
    ...(authorizationPageMode ? { authorizationPageMode: authorizationPageMode as AppSettings['authorizationPageMode'] } : {}),
  };
}
