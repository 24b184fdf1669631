/**
 * CLI: `npx tsx local/wechat-sim/main.ts`. Configuration comes from the environment (see cli-config.ts);
 * Ctrl-C (SIGINT) or SIGTERM closes the simulator cleanly.
 */
import { readSimEnv } from './cli-config';
import { startWechatSim } from './server';

async function main(): Promise<void> {
  const options = readSimEnv(process.env);
  const sim = await startWechatSim({ ...options, log: (line) => console.log(line) });
  console.log(
    `WeChat simulator ready at ${sim.url} (pushes ${options.pushUrl ? `to ${options.pushUrl}` : 'disabled: SIM_PUSH_URL not set'})`,
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal} received, closing the WeChat simulator`);
    sim.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('closing the WeChat simulator failed', err instanceof Error ? err.message : err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error('the WeChat simulator could not start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
