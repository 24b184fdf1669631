import { type Duration, Stack, Token } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { APPID_PATTERN } from '../../shared/contract';
import { PROP_DEFAULTS, type WechatComponentProps } from '../wechat-component-props';
import type { Throttle } from './component-api';
import { tableLayoutProblems } from './component-table';

/** A value known at synthesis; an unresolved token (a CloudFormation parameter, an attribute) is checked on deploy. */
const known = (value: unknown): boolean => !Token.isUnresolved(value);

/** The entries of a list that are known; none of a list token (a CommaDelimitedList parameter, one encoded entry). */
const knownEntries = (list: string[]): string[] => (known(list) ? list.filter(known) : []);

function fail(message: string): never {
  throw new Error(`WechatComponent: ${message}`);
}

/**
 * Refuses props the deployed service could not work with, naming the prop and the fix. Values that are unresolved
 * tokens are skipped: they are only known on deploy. Only refreshInterval must be a literal, since the schedule and
 * the alarms need its value here.
 */
export function validateProps(props: WechatComponentProps): void {
  if (known(props.componentAppid) && !APPID_PATTERN.test(props.componentAppid))
    fail('componentAppid must look like wx followed by 16 letters or digits');
  const margin = props.refreshMargin ?? PROP_DEFAULTS.refreshMargin;
  validateRefreshTiming(props.refreshInterval ?? PROP_DEFAULTS.refreshInterval, margin);
  validateAuthorizers(props, margin);
  validateThrottles(props.throttle ?? PROP_DEFAULTS.throttle, props.pushThrottle ?? PROP_DEFAULTS.pushThrottle);
  const reserved = props.pushReceiverReservedConcurrency;
  if (reserved !== undefined && known(reserved) && !(Number.isInteger(reserved) && reserved >= 1)) {
    fail('pushReceiverReservedConcurrency must be a whole number of 1 or more (or left out: no reservation)');
  }
  if (props.h5OAuth) validateH5OAuth(props.h5OAuth.allowedReturnTo, props.h5OAuth.authorizerAppids ?? []);
  if (props.table) validateTable(props.table, props.key);
}

function validateTable(table: dynamodb.ITable, key: kms.IKey | undefined): void {
  const problems = tableLayoutProblems(table);
  if (problems.length > 0) fail(`table is not laid out as the service stores items: ${problems.join('; ')}`);
  // One key serves the table, the secrets and the sealed values, under one key policy to review.
  const tableKey = table.encryptionKey;
  if (tableKey && !key) fail('table is encrypted with a customer-managed key but key is not given: give the table’s key as key too');
  if (tableKey && key && !sameKey(tableKey, key)) {
    fail('table is encrypted with another key than key: give the table’s key as key, or import the table with encryptionKey: key');
  }
}

function sameKey(a: kms.IKey, b: kms.IKey): boolean {
  return a === b || JSON.stringify(Stack.of(a).resolve(a.keyArn)) === JSON.stringify(Stack.of(b).resolve(b.keyArn));
}

function validateRefreshTiming(interval: Duration, margin: Duration): void {
  if (interval.isUnresolved()) {
    fail('refreshInterval must be a literal duration, not a token: the schedule and the alarm periods are derived from it at synthesis');
  }
  if (margin.isUnresolved()) {
    // The refresher and the token-lifetime alarm take seconds, and CloudFormation cannot multiply a parameter.
    if (margin.unitLabel() !== 'seconds')
      fail('refreshMargin from a token must be given in seconds: Duration.seconds(param.valueAsNumber)');
    return;
  }
  if (margin.toSeconds() <= interval.toSeconds())
    fail('refreshMargin must be longer than refreshInterval, or a token can expire between two runs');
  if (margin.toSeconds() >= 7200) fail('refreshMargin must be shorter than the token lifetime (2 hours)');
}

function validateAuthorizers(props: WechatComponentProps, margin: Duration): void {
  const sweep = props.authorizerSweepInterval ?? PROP_DEFAULTS.authorizerSweepInterval;
  if (sweep.isUnresolved()) {
    fail('authorizerSweepInterval must be a literal duration, not a token: the schedule and the alarms are derived from it at synthesis');
  }
  const sweepMs = sweep.toMilliseconds();
  if (sweepMs < 60_000 || sweepMs % 60_000 !== 0)
    fail('authorizerSweepInterval must be a whole number of minutes, at least one (EventBridge Scheduler rates are in minutes)');
  if (!margin.isUnresolved() && margin.toSeconds() * 1000 <= sweepMs)
    fail('refreshMargin must be longer than authorizerSweepInterval, or an authorizer token can expire between two sweeps');
  const concurrency = props.authorizerConcurrency;
  if (concurrency !== undefined && known(concurrency) && !(Number.isInteger(concurrency) && concurrency >= 2 && concurrency <= 1000))
    fail('authorizerConcurrency must be a whole number from 2 to 1000 (the SQS event source’s maximum concurrency)');
  const mode = props.authorizationPageMode;
  if (mode !== undefined && known(mode) && mode !== 'signed' && mode !== 'open') fail("authorizationPageMode must be 'signed' or 'open'");
  const perMinute = props.preAuthCodesPerMinute;
  if (perMinute !== undefined && known(perMinute) && !(Number.isInteger(perMinute) && perMinute >= 1))
    fail('preAuthCodesPerMinute must be a whole number of 1 or more');
}

function validateThrottles(throttle: Throttle, pushThrottle: Throttle): void {
  for (const [name, { rateLimit, burstLimit }] of [
    ['throttle', throttle],
    ['pushThrottle', pushThrottle],
  ] as const) {
    if (known(rateLimit) && !(Number.isFinite(rateLimit) && rateLimit > 0))
      fail(`${name}.rateLimit must be a positive number of requests per second`);
    if (known(burstLimit) && !(Number.isInteger(burstLimit) && burstLimit > 0)) fail(`${name}.burstLimit must be a positive whole number`);
  }
  // Each limit is compared when both sides of it are known.
  const below = (limit: keyof Throttle) => known(throttle[limit]) && known(pushThrottle[limit]) && !(pushThrottle[limit] > throttle[limit]);
  if (below('rateLimit') || below('burstLimit')) {
    fail(
      'pushThrottle must be above throttle in both rateLimit and burstLimit, so traffic on the sign-in routes cannot crowd out WeChat’s pushes',
    );
  }
}

function validateH5OAuth(allowedReturnTo: string[], authorizerAppids: string[]): void {
  if (allowedReturnTo.length === 0) fail('h5OAuth.allowedReturnTo needs at least one URL prefix');
  for (const entry of knownEntries(allowedReturnTo)) {
    if (!isReturnToPrefix(entry)) {
      fail('h5OAuth.allowedReturnTo entries must be https URLs with an optional path (no credentials, query, fragment or comma)');
    }
  }
  for (const authorizer of knownEntries(authorizerAppids)) {
    if (!APPID_PATTERN.test(authorizer)) fail('h5OAuth.authorizerAppids must be appids (wx followed by 16 letters or digits)');
  }
}

// The h5-oauth function splits WECHAT_H5_OAUTH_ALLOWED_RETURN_TO on commas and parses each entry as a URL without
// credentials at cold start; an entry it would refuse must fail the synth here, not every sign-in after the deploy.
function isReturnToPrefix(entry: string): boolean {
  if (!/^https:\/\/[^/?#\s,]+(\/[^?#\s,]*)?$/.test(entry)) return false;
  try {
    const url = new URL(entry);
    return url.username === '' && url.password === '';
  } catch {
    return false;
  }
}
