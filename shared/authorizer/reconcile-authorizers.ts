import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { AUTHORIZER_LIST_PAGE_SIZE, type AuthorizerListEntry } from '../wechat/authorizer-api';
import type { AuthorizerDeps } from './authorizer-deps';

/** What WeChat's list and the store disagree on. */
export interface ReconcileReport {
  /** Accounts WeChat lists as authorizing us. */
  listed: number;
  /** Listed by WeChat, but not authorized here (unknown, revoked or needs_reauth). */
  missingHere: string[];
  /** Authorized here, but not in WeChat's list. */
  missingThere: string[];
  /** With import: refresh tokens written (gaps filled or newer authorizations). */
  imported: number;
}

/** Imports in flight at once during an operator's import. */
export const IMPORT_CONCURRENCY = 16;

/** Every page of api_get_authorizer_list (at most 500 a page). */
async function listAll(deps: AuthorizerDeps): Promise<AuthorizerListEntry[]> {
  const entries: AuthorizerListEntry[] = [];
  for (let offset = 0; ; offset += AUTHORIZER_LIST_PAGE_SIZE) {
    const page = await deps.componentToken.withComponentAccessToken((componentAccessToken) =>
      deps.api.getAuthorizerList({ componentAppid: deps.componentAppid, componentAccessToken, offset, count: AUTHORIZER_LIST_PAGE_SIZE }),
    );
    entries.push(...page.entries);
    if (page.entries.length < AUTHORIZER_LIST_PAGE_SIZE || entries.length >= page.totalCount) return entries;
  }
}

/**
 * Compares WeChat's list of authorizing accounts with the store. `report` (the daily run) changes nothing: drift is
 * a metric and a log line for an operator. `import` (an operator action, the recovery when refresh tokens were lost)
 * writes each listed refresh token where the store has none or an older authorization, never over a newer one.
 */
export async function reconcileAuthorizers(deps: AuthorizerDeps, mode: 'report' | 'import'): Promise<ReconcileReport> {
  const listed = await listAll(deps);
  const authorizedHere = new Set(await deps.authorizers.listAuthorized());
  const listedAppids = new Set(listed.map((entry) => entry.authorizerAppid));
  let imported = 0;
  if (mode === 'import') {
    const withTokens = listed.filter((entry) => entry.refreshToken);
    // Side by side, a bounded number at a time: one after the other, 10,000 accounts (a read and a write each) would
    // outlast the invocation; all at once would be throttled.
    let next = 0;
    let failed = false;
    const importNext = async (): Promise<void> => {
      while (!failed && next < withTokens.length) {
        const entry = withTokens[next++]!;
        const result = await deps.authorizers
          .importRefreshToken({ authorizerAppid: entry.authorizerAppid, refreshToken: entry.refreshToken!, authTimeSec: entry.authTimeSec })
          .catch((err: unknown) => {
            // The run fails (the operator runs it again: an import never writes over a newer token); stop starting more.
            failed = true;
            throw err;
          });
        if (result === 'imported') {
          imported += 1;
          authorizedHere.add(entry.authorizerAppid);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(IMPORT_CONCURRENCY, withTokens.length) }, importNext));
  }
  const report: ReconcileReport = {
    listed: listed.length,
    missingHere: [...listedAppids].filter((appid) => !authorizedHere.has(appid)).sort(),
    missingThere: [...authorizedHere].filter((appid) => !listedAppids.has(appid)).sort(),
    imported,
  };
  deps.metrics.addMetric('AuthorizerDriftMissingHere', MetricUnit.Count, report.missingHere.length);
  deps.metrics.addMetric('AuthorizerDriftMissingThere', MetricUnit.Count, report.missingThere.length);
  const drift = report.missingHere.length + report.missingThere.length;
  // Appids identify, they authorize nothing: an operator needs them to act.
  deps.logger[drift > 0 ? 'warn' : 'info']('authorizers reconciled with WeChat', {
    mode,
    listed: report.listed,
    imported,
    missingHere: report.missingHere.slice(0, 100),
    missingThere: report.missingThere.slice(0, 100),
  });
  return report;
}
