import { startDaySystem } from './authorizer-day/day-system';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
const s = await startDaySystem();
s.sim.addAuthorizedAccounts(1000);
await s.sim.pushTicketNow();
await s.invoke('token-refresher', { action: 'refresh', reason: 'schedule' });
await s.invoke('authorizer-worker', { action: 'import' });
const { Session } = await import('node:inspector/promises');
const session = new Session();
session.connect();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await session.post('Profiler.enable');
await session.post('Profiler.start');
for (let sweep = 0; sweep < 3; sweep++) {
  await s.invoke('authorizer-worker', { action: 'schedule' });
  while (s.jobs.status().visible > 0) {
    const n = Math.min(5, Math.ceil(s.jobs.status().visible / 10));
    await Promise.all(Array.from({ length: n }, () => s.jobs.pollOnce()));
    s.clock.advance(400);
  }
  s.clock.advance(7000_000);
  await s.sim.pushTicketNow();
  await s.invoke('token-refresher', { action: 'refresh', reason: 'schedule' });
}
const { profile } = await session.post('Profiler.stop');
const cpu = process.cpuUsage(cpu0);
console.log('cpu ms', (cpu.user + cpu.system) / 1000, 'wall', performance.now() - t0, s.aws.dynamoStats().operations, s.sim.stats().calls);
(await import('node:fs')).writeFileSync('/tmp/i9day/wave.cpuprofile', JSON.stringify(profile));
await s.close();
