import { describe, expect, it } from 'vitest';
import { billingProblems, groupProblems, PROBLEM_SYSTEM, withNames } from '../src/features/billing/problems';

const issue = (kind: string, what: string, fix: string, refs: string[] = []): fhir4.OperationOutcomeIssue => ({
  severity: 'error',
  code: 'business-rule',
  details: { coding: [{ system: PROBLEM_SYSTEM, code: kind }], text: fix },
  diagnostics: what,
  expression: refs,
});

describe('billing problems', () => {
  const outcome: fhir4.OperationOutcome = {
    resourceType: 'OperationOutcome',
    issue: [
      issue('missing-note', 'No note for Patient/p1 on 2026-11-02.', 'Ask the therapist to write the note.'),
      issue('missing-coverage', 'Patient/p2 has no coverage.', 'Add the coverage.'),
      issue('missing-note', 'No note for Patient/p3 on 2026-11-02.', 'Ask the therapist to write the note.'),
      { severity: 'information', code: 'informational', diagnostics: '3 claims.' },
    ],
  };

  it('groups by kind, largest first, with the fix once per kind', () => {
    const groups = groupProblems(billingProblems(outcome));
    expect(groups.map((g) => [g.label, g.problems.length])).toEqual([
      ['Missing note', 2],
      ['Missing coverage', 1],
    ]);
    expect(groups[0].fix).toBe('Ask the therapist to write the note.');
  });

  it('puts names in place of references, and never an unknown id', () => {
    const names = new Map([['Patient/p1', 'Ana Ruiz']]);
    expect(withNames('No note for Patient/p1 on 2026-11-02.', names)).toBe('No note for Ana Ruiz on 2026-11-02.');
    expect(withNames('Patient/p3 has no coverage with Organization/o9.', names)).toBe('a member has no coverage with a payer.');
  });
});
