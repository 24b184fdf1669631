/**
 * The decrypted (inner) XML of pushes: tickets and authorization events (docs/wechat-protocol.md §1).
 */
import { randomBytes } from 'node:crypto';
import { AUTHORIZATION_CODE_TTL_SEC } from '../state/authorization-codes';

const XML_ELEMENT_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Inner XML of a push: AppId, CreateTime, InfoType, then `fields` in order. Throws RangeError on bad names. */
export function buildPushMessageXml(input: {
  appid: string;
  createTime: number;
  infoType: string;
  fields?: Readonly<Record<string, string>>;
}): string {
  const parts = [
    `<AppId>${cdata(input.appid)}</AppId>`,
    `<CreateTime>${Math.trunc(input.createTime)}</CreateTime>`,
    `<InfoType>${cdata(input.infoType)}</InfoType>`,
  ];
  for (const [name, value] of Object.entries(input.fields ?? {})) {
    if (!XML_ELEMENT_NAME.test(name)) throw new RangeError(`push field name ${JSON.stringify(name)} is not an XML element name`);
    // WeChat writes numbers bare and strings in CDATA.
    parts.push(`<${name}>${/^\d+$/.test(value) ? value : cdata(value)}</${name}>`);
  }
  return `<xml>${parts.join('')}</xml>`;
}

/** Inner XML of a component_verify_ticket push. */
export function buildTicketXml(input: { appid: string; createTime: number; ticket: string }): string {
  return buildPushMessageXml({
    appid: input.appid,
    createTime: input.createTime,
    infoType: 'component_verify_ticket',
    fields: { ComponentVerifyTicket: input.ticket },
  });
}

/**
 * The fields WeChat sends for an authorization event, generated where the caller gave none:
 * authorized / updateauthorized carry AuthorizerAppid, AuthorizationCode, AuthorizationCodeExpiredTime and
 * PreAuthCode; unauthorized carries AuthorizerAppid. Other InfoTypes get the caller's fields only.
 */
export function withStandardEventFields(
  infoType: string,
  createTime: number,
  fields: Readonly<Record<string, string>> = {},
): Record<string, string> {
  if (infoType === 'authorized' || infoType === 'updateauthorized') {
    return {
      AuthorizerAppid: `wx${randomBytes(8).toString('hex')}`,
      AuthorizationCode: `queryauthcode@@@${randomBytes(36).toString('base64url')}`,
      AuthorizationCodeExpiredTime: String(createTime + AUTHORIZATION_CODE_TTL_SEC),
      PreAuthCode: `preauthcode@@@${randomBytes(36).toString('base64url')}`,
      ...fields,
    };
  }
  if (infoType === 'unauthorized') {
    return { AuthorizerAppid: `wx${randomBytes(8).toString('hex')}`, ...fields };
  }
  return { ...fields };
}

/** Wraps text in CDATA; a "]]>" inside is split across two sections so the XML stays well-formed. */
function cdata(text: string): string {
  return `<![CDATA[${text.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}
