import { SmbAuthError } from "./auth-error.js";
import { encodeTlv, readAll, readOnly, readTlv, TAG } from "./der.js";

/**
 * SPNEGO (RFC 4178, MS-SPNG) tokens as SMB2 SESSION_SETUP carries them. Only the shapes an
 * NTLM-only initiator needs: NegTokenInit out (wrapped in the GSS InitialContextToken),
 * NegTokenInit / NegTokenInit2 in (the server hint in the NEGOTIATE response), NegTokenResp
 * both ways.
 */

/** DER of OID 1.3.6.1.5.5.2 (SPNEGO), tag included. */
export const SPNEGO_OID = Buffer.from("06062b0601050502", "hex");
/** DER of OID 1.3.6.1.4.1.311.2.2.10 (NTLMSSP), tag included. */
export const NTLMSSP_OID = Buffer.from("060a2b06010401823702020a", "hex");

export type NegState = "accept-completed" | "accept-incomplete" | "reject" | "request-mic";
const NEG_STATES: readonly NegState[] = ["accept-completed", "accept-incomplete", "reject", "request-mic"];

function malformed(why: string): never {
  throw new SmbAuthError("malformed_token", `malformed SPNEGO token: ${why}`);
}

/** DER of `MechTypeList ::= SEQUENCE OF MechType`; the mechListMIC is computed over exactly these bytes. */
export function encodeMechTypeList(mechs: readonly Buffer[]): Buffer {
  return encodeTlv(TAG.sequence, ...mechs);
}

/** InitialContextToken [APPLICATION 0] { SPNEGO OID, [0] NegTokenInit { [0] mechTypes, [2] mechToken } }. */
export function encodeNegTokenInit(mechTypeList: Buffer, mechToken: Buffer): Buffer {
  const negTokenInit = encodeTlv(
    TAG.sequence,
    encodeTlv(TAG.context(0), mechTypeList),
    encodeTlv(TAG.context(2), encodeTlv(TAG.octetString, mechToken)),
  );
  return encodeTlv(TAG.application0, SPNEGO_OID, encodeTlv(TAG.context(0), negTokenInit));
}

export interface NegTokenInit {
  /** Each mechanism's OID in DER (tag 0x06 included), in the server's order of preference. */
  mechTypes: Buffer[];
  mechToken?: Buffer;
}

/**
 * Decodes a NegTokenInit or NegTokenInit2 (MS-SPNG 2.2.1: [3] is negHints there), with or
 * without the [APPLICATION 0] GSS wrapper.
 * @throws SmbAuthError("malformed_token") on anything that is not such a token.
 */
export function decodeNegTokenInit(token: Buffer): NegTokenInit {
  let choice = token;
  if (token.length > 0 && token[0] === TAG.application0) {
    const inner = readOnly(token, TAG.application0, "InitialContextToken");
    const oid = readTlv(inner, 0);
    if (oid.tag !== TAG.oid || !inner.subarray(0, oid.end).equals(SPNEGO_OID)) malformed("not an SPNEGO token");
    choice = inner.subarray(oid.end);
  }
  const seq = readOnly(readOnly(choice, TAG.context(0), "NegotiationToken"), TAG.sequence, "NegTokenInit");
  const out: NegTokenInit = { mechTypes: [] };
  let last = -1;
  for (const field of readAll(seq)) {
    const n = field.tag - 0xa0;
    if (n < 0 || n > 4 || n <= last) malformed(`unexpected field tag 0x${field.tag.toString(16)}`);
    last = n;
    if (n === 0) {
      for (const mech of readAll(readOnly(field.value, TAG.sequence, "mechTypes"))) {
        if (mech.tag !== TAG.oid) malformed("mechType is not an OID");
        out.mechTypes.push(encodeTlv(TAG.oid, mech.value));
      }
    } else if (n === 2) {
      out.mechToken = readOnly(field.value, TAG.octetString, "mechToken");
    }
  }
  return out;
}

export interface NegTokenResp {
  negState?: NegState;
  /** DER of the OID, tag included. */
  supportedMech?: Buffer;
  responseToken?: Buffer;
  mechListMIC?: Buffer;
}

/** [1] NegTokenResp { [0] negState, [1] supportedMech, [2] responseToken, [3] mechListMIC }, absent fields omitted. */
export function encodeNegTokenResp(resp: NegTokenResp): Buffer {
  const fields: Buffer[] = [];
  if (resp.negState !== undefined) {
    fields.push(encodeTlv(TAG.context(0), encodeTlv(TAG.enumerated, Buffer.from([NEG_STATES.indexOf(resp.negState)]))));
  }
  if (resp.supportedMech) fields.push(encodeTlv(TAG.context(1), resp.supportedMech));
  if (resp.responseToken) fields.push(encodeTlv(TAG.context(2), encodeTlv(TAG.octetString, resp.responseToken)));
  if (resp.mechListMIC) fields.push(encodeTlv(TAG.context(3), encodeTlv(TAG.octetString, resp.mechListMIC)));
  return encodeTlv(TAG.context(1), encodeTlv(TAG.sequence, ...fields));
}

/** @throws SmbAuthError("malformed_token") unless `token` is exactly one well-formed NegTokenResp. */
export function decodeNegTokenResp(token: Buffer): NegTokenResp {
  const seq = readOnly(readOnly(token, TAG.context(1), "NegotiationToken"), TAG.sequence, "NegTokenResp");
  const out: NegTokenResp = {};
  let last = -1;
  for (const field of readAll(seq)) {
    const n = field.tag - 0xa0;
    if (n < 0 || n > 3 || n <= last) malformed(`unexpected field tag 0x${field.tag.toString(16)}`);
    last = n;
    switch (n) {
      case 0: {
        const value = readOnly(field.value, TAG.enumerated, "negState");
        if (value.length !== 1 || value[0] >= NEG_STATES.length) malformed("negState out of range");
        out.negState = NEG_STATES[value[0]];
        break;
      }
      case 1: {
        const oid = readTlv(field.value, 0);
        if (oid.tag !== TAG.oid || oid.end !== field.value.length) malformed("supportedMech is not an OID");
        out.supportedMech = Buffer.from(field.value);
        break;
      }
      case 2:
        out.responseToken = readOnly(field.value, TAG.octetString, "responseToken");
        break;
      case 3:
        out.mechListMIC = readOnly(field.value, TAG.octetString, "mechListMIC");
        break;
    }
  }
  return out;
}
