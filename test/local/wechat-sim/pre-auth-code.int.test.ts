import { afterEach, describe, expect, it } from 'vitest';
import { CANARY, closeTestSims, fakeClock, fetchComponentToken, postJson, startTestSim } from './sim-harness';

afterEach(closeTestSims);

const PRE_AUTH_PATH = '/cgi-bin/component/api_create_preauthcode';
const body = { component_appid: CANARY.componentAppid };

describe('api_create_preauthcode', () => {
  it('returns a pre_auth_code valid for 1800 s for a current token', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);

    const { status, json } = await postJson(`${sim.url}${PRE_AUTH_PATH}?component_access_token=${token}`, body);

    expect(status).toBe(200);
    expect(json.pre_auth_code).toMatch(/^preauthcode@@@/);
    expect(json.expires_in).toBe(1800);
  });

  it('accepts the token under the newer parameter name access_token', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);

    const { json } = await postJson(`${sim.url}${PRE_AUTH_PATH}?access_token=${token}`, body);

    expect(json.pre_auth_code).toEqual(expect.any(String));
  });

  it('rejects a call without a token with 41001', async () => {
    const sim = await startTestSim();

    const { json } = await postJson(`${sim.url}${PRE_AUTH_PATH}`, body);

    expect(json.errcode).toBe(41001);
  });

  it('rejects a token the simulator never issued with 40001', async () => {
    const sim = await startTestSim();

    const { json } = await postJson(`${sim.url}${PRE_AUTH_PATH}?component_access_token=${'f'.repeat(86)}`, body);

    expect(json.errcode).toBe(40001);
  });

  it('rejects an expired token with 42001', async () => {
    const clock = fakeClock();
    const sim = await startTestSim({ now: clock.now });
    const token = await fetchComponentToken(sim);

    clock.advanceSec(7200);
    const { json } = await postJson(`${sim.url}${PRE_AUTH_PATH}?component_access_token=${token}`, body);

    expect(json.errcode).toBe(42001);
  });

  it('rejects a superseded token past the grace period with 40001 and accepts it within', async () => {
    const clock = fakeClock();
    const sim = await startTestSim({ now: clock.now, previousTokenGraceSec: 300 });
    const older = await fetchComponentToken(sim);
    await fetchComponentToken(sim);

    clock.advanceSec(299);
    const within = await postJson(`${sim.url}${PRE_AUTH_PATH}?component_access_token=${older}`, body);
    clock.advanceSec(1);
    const after = await postJson(`${sim.url}${PRE_AUTH_PATH}?component_access_token=${older}`, body);

    expect(within.json.pre_auth_code).toEqual(expect.any(String));
    expect(after.json.errcode).toBe(40001);
  });

  it('checks the token before the body, so a bad token with a bad body answers the token error', async () => {
    const sim = await startTestSim();

    const { json } = await postJson(`${sim.url}${PRE_AUTH_PATH}`, '{not json');

    expect(json.errcode).toBe(41001);
  });

  it('rejects a malformed body with 47001 and a foreign component_appid with 61011', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);

    const malformed = await postJson(`${sim.url}${PRE_AUTH_PATH}?component_access_token=${token}`, '{not json');
    const foreign = await postJson(`${sim.url}${PRE_AUTH_PATH}?component_access_token=${token}`, { component_appid: 'wx0000000000000bad' });

    expect(malformed.json.errcode).toBe(47001);
    expect(foreign.json.errcode).toBe(61011);
  });
});
