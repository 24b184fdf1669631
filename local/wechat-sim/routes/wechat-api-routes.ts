/**
 * Every WeChat API the simulator serves. A new API group adds its own module and is listed here.
 */
import type { SimRoute } from '../sim-context';
import { authorizerInfoRoute, authorizerListRoute } from './authorizer-info-routes';
import { authorizerTokenRoute, queryAuthRoute } from './authorizer-token-routes';
import { bindComponentRoute, componentLoginPageRoute, consentApproveRoute, consentCancelRoute } from './component-consent-routes';
import { componentTokenRoute, startPushTicketRoute } from './component-token-routes';
import { oauthAuthorizeRoute, oauthConsentRoute } from './oauth-authorize-routes';
import { oauthAccessTokenRoute, oauthRefreshTokenRoute } from './oauth-token-routes';
import { oauthUserinfoRoute } from './oauth-userinfo-route';
import { createPreAuthCodeRoute } from './pre-auth-code-route';

/** The WeChat API routes, matched by exact path. */
export const WECHAT_API_ROUTES: readonly SimRoute[] = [
  componentTokenRoute,
  startPushTicketRoute,
  createPreAuthCodeRoute,
  componentLoginPageRoute,
  bindComponentRoute,
  consentApproveRoute,
  consentCancelRoute,
  queryAuthRoute,
  authorizerTokenRoute,
  authorizerInfoRoute,
  authorizerListRoute,
  oauthAuthorizeRoute,
  oauthConsentRoute,
  oauthAccessTokenRoute,
  oauthRefreshTokenRoute,
  oauthUserinfoRoute,
];
