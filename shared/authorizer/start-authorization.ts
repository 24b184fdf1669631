import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { secretRegistry } from '../log/redaction';
import { ComponentTokenError } from '../token/component-token-error';
import type { AuthorizerApiResult } from '../wechat/authorizer-api';
import { buildBindComponentUrl, buildComponentLoginPageUrl, type ComponentConsentInput } from '../wechat/component-consent-url';
import { WechatApiError } from '../wechat/errors';
import type { AuthType } from './authorization-link';
import type { AuthorizationPageDeps } from './authorization-page-deps';
import { AuthorizationPageError } from './authorization-page-errors';

/** What the authorization page shows: both links to WeChat, built around one fresh pre_auth_code. */
export interface StartedAuthorization {
  authType: AuthType;
  bizAppid?: string;
  /** componentloginpage, for a PC browser. */
  pcUrl: string;
  /** bindcomponent, for this page opened inside WeChat. */
  wechatUrl: string;
  /** When the pre_auth_code, and so both links, stop working. */
  expiresAtMs: number;
}

/**
 * GET /authorize: checks the link, then the component-wide rate of pre-auth codes, and only then creates one
 * (api_create_preauthcode costs quota). A refused link or a full minute creates nothing. The pre_auth_code goes into
 * the page and nowhere else: it is registered with the log redactor the moment it arrives.
 */
export async function startAuthorization(
  deps: AuthorizationPageDeps,
  query: Record<string, string | undefined>,
): Promise<StartedAuthorization> {
  const link = await deps.links.resolve(query, deps.pageMode);
  const retryQuery = link.query;
  const rate = await deps.preAuthCodeRate.take();
  if (!rate.allowed) {
    deps.metrics.addMetric('PreAuthCodesRateLimited', MetricUnit.Count, 1);
    throw new AuthorizationPageError('RATE_LIMITED', 'the pre-auth code allowance of this minute is spent', {
      retryAfterSec: rate.retryAfterSec,
      retryQuery,
    });
  }

  let created: AuthorizerApiResult<'createPreAuthCode'>;
  try {
    created = await deps.componentToken.withComponentAccessToken((componentAccessToken) =>
      deps.api.createPreAuthCode({ componentAppid: deps.componentAppid, componentAccessToken }),
    );
  } catch (err) {
    throw toPageError(err, retryQuery);
  }
  secretRegistry.add(created.preAuthCode);
  deps.metrics.addMetric('PreAuthCodesCreated', MetricUnit.Count, 1);
  deps.logger.info('authorization page opened; pre-auth code created', {
    authType: link.authType,
    bizAppid: link.bizAppid,
    signedLink: link.signed,
  });

  const consent: ComponentConsentInput = {
    componentAppid: deps.componentAppid,
    preAuthCode: created.preAuthCode,
    redirectUri: deps.callbackUrl,
    authType: link.authType,
    ...(link.bizAppid ? { bizAppid: link.bizAppid } : {}),
  };
  return {
    authType: link.authType,
    ...(link.bizAppid ? { bizAppid: link.bizAppid } : {}),
    pcUrl: buildComponentLoginPageUrl(deps.mpBaseUrl, consent),
    wechatUrl: buildBindComponentUrl(deps.openBaseUrl, consent),
    expiresAtMs: deps.now() + created.expiresInSec * 1000,
  };
}

/** The page for a failed api_create_preauthcode: our token (503), WeChat not answering or refusing (502). */
function toPageError(err: unknown, retryQuery: string): Error {
  if (err instanceof ComponentTokenError) {
    return new AuthorizationPageError('TOKEN_UNAVAILABLE', `no component_access_token (${err.code})`, { retryQuery, cause: err });
  }
  if (err instanceof WechatApiError) {
    if (err.retryable || err.code !== 'ERRCODE')
      return new AuthorizationPageError('WECHAT_UNAVAILABLE', `api_create_preauthcode failed (${err.code})`, { retryQuery });
    return new AuthorizationPageError('WECHAT_ERROR', `api_create_preauthcode refused (errcode ${err.errcode})`, { retryQuery });
  }
  return err instanceof Error ? err : new Error('api_create_preauthcode failed');
}
