import { describe, expect, it } from 'vitest';
import { consentState, kindOf, newConsent } from '../src/features/intake/consents';

describe('consent state', () => {
  const signed = newConsent('Patient/p', 'group-confidentiality', 'signed', '2026-01-10');
  const sent = newConsent('Patient/p', 'group-treatment', 'sent', '2026-01-10');

  it('reads the kind a Consent is of', () => {
    expect(kindOf(signed)).toBe('group-confidentiality');
    expect(sent.status).toBe('proposed');
  });

  it('tells signed, sent, missing, expired and revoked apart on a day', () => {
    expect(consentState([signed, sent], 'group-confidentiality', '2026-12-01')).toBe('signed');
    expect(consentState([signed, sent], 'group-treatment', '2026-12-01')).toBe('sent');
    expect(consentState([signed, sent], 'telehealth', '2026-12-01')).toBe('missing');
    const ended = { ...signed, provision: { period: { start: '2026-01-10', end: '2026-06-30' } } };
    expect(consentState([ended], 'group-confidentiality', '2026-12-01')).toBe('expired');
    expect(consentState([ended], 'group-confidentiality', '2026-06-30')).toBe('signed');
    expect(consentState([{ ...signed, status: 'inactive' }], 'group-confidentiality', '2026-12-01')).toBe('revoked');
  });
});
