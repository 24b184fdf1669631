import { simulateAuthorizerDay } from './authorizer-day/simulate-authorizer-day';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const n = Number(process.argv[2] ?? 200);
const r = await simulateAuthorizerDay({ authorizers: n, progress: (l) => console.error(l) });
const { authorizerCalls, ...rest } = r;
const calls = authorizerCalls.map((c) => c.calls);
console.log(
  JSON.stringify(
    {
      ...rest,
      cpu: Object.fromEntries(Object.entries(rest.phases).map(([k, v]) => [k, Math.round(v['process.cpuMs'] ?? 0)])),
      callsMax: Math.max(...calls),
      callsMean: calls.reduce((a, b) => a + b, 0) / calls.length,
      over14: authorizerCalls.filter((c) => c.calls > 14),
    },
    null,
    1,
  ),
);
