/** Billing problems of a summary or reconcile outcome, grouped by kind, with the fix in words. */
export const PROBLEM_SYSTEM = 'http://grouptherapy.example.org/fhir/CodeSystem/billing-problem';

export const PROBLEM_LABELS: Record<string, string> = {
  'claim-without-attendance': 'Claim without attendance',
  'attendance-without-claim': 'Attendance without claim',
  'attendance-not-recorded': 'Attendance not recorded',
  'missing-encounter': 'Missing encounter',
  'missing-note': 'Missing note',
  'unsigned-note': 'Unsigned note',
  'note-signer': 'Note signed by another',
  'duplicate-claim': 'Duplicate claim',
  'two-rendering-providers': 'Two rendering providers',
  'wrong-coding': 'Wrong code, modifier, place of service or units',
  'no-rendering-provider': 'No rendering provider',
  'group-above-cap': "Group above the payer's cap",
  'session-too-short': "Session shorter than the payer's minimum",
  'missing-coverage': 'Missing coverage',
  'missing-diagnosis': 'Missing diagnosis',
};

export interface BillingProblem {
  kind: string;
  severity: string;
  what: string;
  fix: string;
  references: string[];
}

export interface ProblemGroup {
  kind: string;
  label: string;
  fix: string;
  problems: BillingProblem[];
}

export function billingProblems(outcome: fhir4.OperationOutcome | undefined): BillingProblem[] {
  return (outcome?.issue ?? [])
    .filter((i) => i.severity !== 'information')
    .map((i) => ({
      kind: i.details?.coding?.find((c) => c.system === PROBLEM_SYSTEM)?.code ?? 'other',
      severity: i.severity,
      what: i.diagnostics ?? '',
      fix: i.details?.text ?? '',
      references: i.expression ?? [],
    }));
}

export function groupProblems(problems: BillingProblem[]): ProblemGroup[] {
  const groups = new Map<string, ProblemGroup>();
  for (const p of problems) {
    const g = groups.get(p.kind) ?? { kind: p.kind, label: PROBLEM_LABELS[p.kind] ?? p.kind, fix: p.fix, problems: [] };
    g.problems.push(p);
    groups.set(p.kind, g);
  }
  return [...groups.values()].sort((a, b) => b.problems.length - a.problems.length);
}

/** Replaces references in a sentence by names (a patient's id may carry their record number). */
export function withNames(sentence: string, names: Map<string, string>): string {
  return sentence.replace(/\b(Patient|Practitioner|Group|Appointment|Claim|Encounter|Coverage|Organization)\/[A-Za-z0-9\-.]*[A-Za-z0-9\-]/g, (ref) => names.get(ref) ?? label(ref));
}

function label(ref: string): string {
  const type = ref.split('/')[0];
  return (
    {
      Patient: 'a member',
      Practitioner: 'a practitioner',
      Group: 'a group',
      Appointment: 'a session',
      Claim: 'a claim',
      Encounter: 'an encounter',
      Coverage: 'a coverage',
      Organization: 'a payer',
    } as Record<string, string>
  )[type] ?? ref;
}
