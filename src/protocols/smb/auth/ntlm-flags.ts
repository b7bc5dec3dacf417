/** MS-NLMP 2.2.2.5 NEGOTIATE flags, the ones this initiator sends or checks. */
export const NTLM_FLAGS = {
  UNICODE: 0x0000_0001,
  REQUEST_TARGET: 0x0000_0004,
  SIGN: 0x0000_0010,
  SEAL: 0x0000_0020,
  NTLM: 0x0000_0200,
  ALWAYS_SIGN: 0x0000_8000,
  EXTENDED_SESSIONSECURITY: 0x0008_0000,
  VERSION: 0x0200_0000,
  NEGOTIATE_128: 0x2000_0000,
  KEY_EXCH: 0x4000_0000,
  NEGOTIATE_56: 0x8000_0000,
} as const;

/**
 * What we ask for in NEGOTIATE: Unicode, NTLM with extended session security (the NTLMv2
 * signing scheme), signing and sealing (the mechListMIC needs both keys), 128-bit keys, key
 * exchange and the Version field (which places the MIC at offset 72).
 */
export const CLIENT_FLAGS =
  (NTLM_FLAGS.UNICODE |
    NTLM_FLAGS.REQUEST_TARGET |
    NTLM_FLAGS.SIGN |
    NTLM_FLAGS.SEAL |
    NTLM_FLAGS.NTLM |
    NTLM_FLAGS.ALWAYS_SIGN |
    NTLM_FLAGS.EXTENDED_SESSIONSECURITY |
    NTLM_FLAGS.VERSION |
    NTLM_FLAGS.NEGOTIATE_128 |
    NTLM_FLAGS.KEY_EXCH |
    NTLM_FLAGS.NEGOTIATE_56) >>>
  0;
