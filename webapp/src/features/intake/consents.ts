/** Group consents as the roster and intake show them: signed, sent, missing, expired, revoked. */
export const CONSENT_KIND_SYSTEM = 'http://grouptherapy.example.org/fhir/CodeSystem/consent-kind';

export const CONSENT_KINDS: Record<string, string> = {
  'group-treatment': 'Group treatment consent',
  'group-confidentiality': 'Confidentiality agreement',
  telehealth: 'Telehealth consent',
};

export type ConsentState = 'signed' | 'sent' | 'missing' | 'expired' | 'revoked';

export function kindOf(consent: fhir4.Consent): string | undefined {
  return consent.category?.flatMap((c) => c.coding ?? []).find((c) => c.system === CONSENT_KIND_SYSTEM)?.code;
}

/** The state of one kind of consent for one person, from their Consents, on a day. */
export function consentState(consents: fhir4.Consent[], kind: string, day: string): ConsentState {
  const mine = consents.filter((c) => kindOf(c) === kind);
  const active = mine.filter((c) => c.status === 'active');
  if (active.some((c) => !c.provision?.period?.end || c.provision.period.end.slice(0, 10) >= day)) {
    return 'signed';
  }
  if (mine.some((c) => c.status === 'proposed' || c.status === 'draft')) {
    return 'sent';
  }
  if (active.length > 0) {
    return 'expired';
  }
  if (mine.some((c) => c.status === 'inactive' || c.status === 'rejected')) {
    return 'revoked';
  }
  return 'missing';
}

/** A Consent of a kind for a person: sent (proposed) or signed (active) today. */
export function newConsent(patient: string, kind: string, state: 'sent' | 'signed', day: string, organization?: string): fhir4.Consent {
  return {
    resourceType: 'Consent',
    status: state === 'signed' ? 'active' : 'proposed',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'treatment' }] },
    category: [
      { coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] },
      { coding: [{ system: CONSENT_KIND_SYSTEM, code: kind, display: CONSENT_KINDS[kind] }] },
    ],
    patient: { reference: patient },
    dateTime: new Date().toISOString(),
    organization: organization ? [{ reference: organization }] : undefined,
    policy: [{ uri: `https://riverbend-groups.example.org/policies/${kind}` }],
    provision: state === 'signed' ? { period: { start: day } } : undefined,
  };
}

export const STATE_BADGE: Record<ConsentState, string> = {
  signed: 'ok',
  sent: 'warn',
  missing: 'bad',
  expired: 'bad',
  revoked: 'bad',
};
