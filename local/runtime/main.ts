/**
 * `npm start`: the whole service on this machine, on embedded defaults. Ctrl-C stops everything.
 */
import { ROUTES } from '../../shared/contract';
import { type LocalConfig, LocalConfigError, readLocalConfig } from './local-config';
import { DUE_SWEEP_EVERY_SEC } from './local-schedules';
import { LOCAL_TABLE, startLocalSystem } from './start-local-system';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'INFO';

const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);

function printBanner(config: LocalConfig, url: string, simUrl: string, authorizersFromEnv: boolean): void {
  const lines = [
    '',
    'WeChat component token service: running locally',
    `  event receive URL   POST ${url}${ROUTES.pushEvents}`,
    `  health              GET  ${url}/healthz`,
    `  h5-oauth demo       GET  ${url}/   (start ${url}${ROUTES.h5OAuthStart}, callback ${url}${ROUTES.h5OAuthCallback})`,
    `  authorize account   GET  ${url}/   ("Authorize an account": a signed link to ${url}${ROUTES.authorizationPage}, callback ${url}${ROUTES.authorizationCallback})`,
    `  authorizers         ${config.authorizerAppids.join(', ')}${authorizersFromEnv ? '' : ' (simulated TEST official account)'}`,
    `  WeChat simulator         ${simUrl}   (calls per API: ${simUrl}/__sim/stats)`,
    `  DynamoDB table           ${LOCAL_TABLE} (dynalite, in memory)`,
    `  schedules                token refresher every ${config.refreshIntervalSec} s; authorizer due sweep every ${DUE_SWEEP_EVERY_SEC} s; ` +
      `authorizer reconcile daily; ticket pushes every ${config.sim.ticketIntervalSec} s`,
  ];
  if (config.usingTestDefaults) {
    lines.push(
      '',
      'TEST values (built-in local defaults; only the simulator accepts them, never deploy them):',
      `  WECHAT_COMPONENT_APPID=${config.sim.componentAppid}`,
      `  WECHAT_COMPONENT_APPSECRET=${config.sim.componentAppsecret}`,
      `  WECHAT_COMPONENT_TOKEN=${config.sim.token}`,
      `  WECHAT_COMPONENT_ENCODING_AES_KEY=${config.sim.encodingAesKey}`,
    );
  } else {
    lines.push('', 'Using WECHAT_COMPONENT_* values from the environment (not printed).');
  }
  lines.push('', 'ready. Ctrl-C stops everything.', '');
  console.log(lines.join('\n'));
}

async function main(): Promise<void> {
  let config: LocalConfig;
  try {
    config = readLocalConfig();
  } catch (err) {
    if (err instanceof LocalConfigError) {
      console.error(`npm start: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  // Read before starting: the local system sets WECHAT_AUTHORIZER_APPIDS for the handlers it loads.
  const authorizersFromEnv = Boolean(process.env.WECHAT_AUTHORIZER_APPIDS?.trim());
  const system = await startLocalSystem(config, log);
  printBanner(config, system.url, system.simUrl, authorizersFromEnv);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    system.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(`npm start failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
