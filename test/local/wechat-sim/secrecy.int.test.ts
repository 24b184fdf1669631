import { afterEach, describe, expect, it } from 'vitest';
import { TEST_AUTHORIZER_APPID } from '../../../local/wechat-sim/defaults';
import {
  callApi,
  consentOf,
  createPreAuthCode,
  exchangeCode,
  loginPageUrl,
  openPage,
  refreshAuthorizerToken,
  submitConsent,
} from './authorizer-harness';
import { closeTestReceivers, startTestReceiver } from './push-receiver-stub';
import { CANARY, closeTestSims, fetchComponentToken, postJson, startTestSim, tokenRequest } from './sim-harness';

afterEach(async () => {
  await closeTestSims();
  await closeTestReceivers();
});

describe('secrets in the event log and answers', () => {
  it('never logs the appsecret, message token, EncodingAESKey, tickets, tokens or codes', async () => {
    const lines: string[] = [];
    const rx = await startTestReceiver();
    const sim = await startTestSim({ pushUrl: rx.url, log: (line) => lines.push(line) });
    sim.setFaults({ pushes: { duplicate: true, outOfOrder: true } });

    await sim.pushTicketNow();
    await sim.pushTicketNow();
    const token = await fetchComponentToken(sim);
    const preAuth = await postJson(`${sim.url}/cgi-bin/component/api_create_preauthcode?component_access_token=${token}`, {
      component_appid: CANARY.componentAppid,
    });
    await postJson(`${sim.url}/cgi-bin/component/api_component_token`, {
      ...tokenRequest('ticket@@@forged'),
      component_appsecret: 'wrong',
    });
    await sim.pushEvent({ infoType: 'authorized' });
    await sim.pushRaw({ xml: '<xml/>', tamper: 'ciphertext' });
    await sim.close();

    const secrets = [
      CANARY.componentAppsecret,
      CANARY.token,
      CANARY.encodingAesKey,
      token,
      String(preAuth.json.pre_auth_code),
      sim.latestTicket()!.ticket,
      'ticket@@@',
    ];
    expect(lines.length).toBeGreaterThan(5);
    for (const secret of secrets) {
      expect(lines.filter((line) => line.includes(secret))).toEqual([]);
    }
  });

  it('never logs an authorization code, pre_auth_code, refresh token or authorizer access token', async () => {
    const lines: string[] = [];
    const rx = await startTestReceiver();
    const sim = await startTestSim({ pushUrl: rx.url, rotateRefreshTokenEvery: 1, log: (line) => lines.push(line) });
    const token = await fetchComponentToken(sim);
    const preAuthCode = await createPreAuthCode(sim, token);

    const page = await openPage(loginPageUrl(sim, { pre_auth_code: preAuthCode }));
    const approved = await submitConsent(sim, 'approve', {
      consent_id: consentOf(page.body).consentId,
      authorizer_appid: TEST_AUTHORIZER_APPID,
    });
    const code = new URL(approved.location!).searchParams.get('auth_code')!;
    const info = await exchangeCode(sim, token, code);
    await exchangeCode(sim, token, code).catch(() => undefined);
    const refreshed = await refreshAuthorizerToken(sim, token, TEST_AUTHORIZER_APPID, String(info.authorizer_refresh_token));
    await refreshAuthorizerToken(sim, token, TEST_AUTHORIZER_APPID, 'refreshtoken@@@CANARYforged');
    await callApi(sim, token, 'api_get_authorizer_info', { authorizer_appid: TEST_AUTHORIZER_APPID });
    await callApi(sim, token, 'api_get_authorizer_list', { offset: 0, count: 10 });
    const [loaded] = sim.addAuthorizedAccounts(3);
    const again = await sim.authorize({ authorizerAppid: TEST_AUTHORIZER_APPID });
    await openPage(loginPageUrl(sim, { pre_auth_code: preAuthCode }));
    await sim.revokeAuthorization(loaded!);
    await sim.close();

    const secrets = [
      preAuthCode,
      code,
      again.authorizationCode,
      String(info.authorizer_access_token),
      String(info.authorizer_refresh_token),
      String(refreshed.authorizer_access_token),
      String(refreshed.authorizer_refresh_token),
      consentOf(page.body).consentId,
      'CANARYforged',
      'queryauthcode@@@',
      'refreshtoken@@@',
      'preauthcode@@@',
    ];
    expect(lines.filter((line) => /authorized|api_query_auth|api_authorizer_token|componentloginpage/.test(line)).length).toBeGreaterThan(
      4,
    );
    for (const secret of secrets) {
      expect(lines.filter((line) => line.includes(secret))).toEqual([]);
    }
  });

  it('never echoes the appsecret or ticket in an error answer', async () => {
    const sim = await startTestSim();
    await sim.pushTicketNow();
    const ticket = sim.latestTicket()!.ticket;

    const wrongSecret = await postJson(`${sim.url}/cgi-bin/component/api_component_token`, {
      ...tokenRequest(ticket),
      component_appsecret: 'wrongButSecret',
    });
    const rightSecret = await postJson(`${sim.url}/cgi-bin/component/api_component_token`, {
      ...tokenRequest(ticket),
      component_appid: 'wx0000000000000bad',
    });

    const answers = JSON.stringify([wrongSecret.json, rightSecret.json]);
    expect(answers).not.toContain('wrongButSecret');
    expect(answers).not.toContain(CANARY.componentAppsecret);
    expect(answers).not.toContain(ticket);
  });

  it('throws a start-up error that names the bad option without showing its value', async () => {
    const badKey = 'CANARY-not-a-valid-key';

    const started = startTestSim({ encodingAesKey: badKey });

    await expect(started).rejects.toThrow(TypeError);
    await expect(started).rejects.toThrow(/^encodingAesKey must be 43 letters and digits$/);
  });
});
