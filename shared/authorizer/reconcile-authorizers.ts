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

/** Imports written side by side: thousands of accounts must fit in one invocation of the worker. */
export const IMPORT_CONCURRENCY = 16;

/**
 * Compares WeChat's list of authorizing accounts with the store. `report` (the daily run) changes nothing: drift is
 * a metric and a log line for an operator. `import` (an operator action, the recovery when refresh tokens were lost)
 * writes each listed refresh token where the store has none or an older authorization, never over a newer one.
 */
export async function reconcileAuthorizers(deps: AuthorizerDeps, mode: 'report' | 'import'): Promise<ReconcileReport> {
  const listed = await listAll(deps);
  const authorizedHere = new Set(await deps.authorizers.listAuthorized());
  const listedAppids = new Set(listed.map((entry) => entry.authorizerAppid));
  const imported = mode === 'import' ? await importAll(deps, listed, authorizedHere) : 0;
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

/**
 * Writes the listed refresh tokens (see importRefreshToken) and adds what it imported to `authorizedHere`. Imported
 * authorizers have no access token yet; their first refreshes are spread evenly over the refresh margin, so ten
 * thousand of them do not all fall due in the same minute (a reader that needs one sooner asks for it).
 */
async function importAll(deps: AuthorizerDeps, listed: AuthorizerListEntry[], authorizedHere: Set<string>): Promise<number> {
  const entries = listed.filter((entry): entry is AuthorizerListEntry & { refreshToken: string } => Boolean(entry.refreshToken));
  const startMs = deps.now();
  let imported = 0;
  for (let start = 0; start < entries.length; start += IMPORT_CONCURRENCY) {
    const results = await Promise.all(
      entries.slice(start, start + IMPORT_CONCURRENCY).map(async (entry, offset) => {
        const result = await deps.authorizers.importRefreshToken({
          authorizerAppid: entry.authorizerAppid,
          refreshToken: entry.refreshToken,
          authTimeSec: entry.authTimeSec,
          firstDueAtMs: startMs + Math.floor(((start + offset) * deps.refreshMarginMs) / entries.length),
        });
        return { authorizerAppid: entry.authorizerAppid, result };
      }),
    );
    for (const { authorizerAppid, result } of results) {
      if (result !== 'imported') continue;
      imported += 1;
      authorizedHere.add(authorizerAppid);
    }
  }
  return imported;
}
