import { describe, expect, it } from 'vitest';
import { errorsOf, notices, problemOf, tidy } from '../src/lib/errors';

describe('server refusals in words', () => {
  it('places each issue next to the field it names and drops HAPI codes', () => {
    const outcome: fhir4.OperationOutcome = {
      resourceType: 'OperationOutcome',
      issue: [
        { severity: 'error', code: 'invalid', diagnostics: 'HAPI-0333: Give a start time.', expression: ['start'] },
        { severity: 'warning', code: 'informational', diagnostics: 'Not shown as an error.' },
        { severity: 'error', code: 'invalid', diagnostics: 'The rule must be weekly.', expression: ['rrule.value'] },
      ],
    };
    const problem = problemOf(400, outcome);
    expect(problem.title).toBe('Please check what you entered');
    expect(problem.messages).toEqual(['Give a start time.', 'The rule must be weekly.']);
    expect(problem.byField).toEqual({ start: 'Give a start time.', rrule: 'The rule must be weekly.' });
  });

  it('never shows a raw 403 to a VA: says who decides instead', () => {
    const problem = problemOf(403, { resourceType: 'OperationOutcome', issue: [] }, 'VA');
    expect(problem.title).toBe('This is not part of a VA’s work');
    expect(problem.messages[0]).toContain('a therapist decides this');
    expect(problemOf(403, undefined, 'BILLER').title).toBe('Your role does not allow this');
  });

  it('explains an unreachable server, an ended session and a stale version', () => {
    expect(problemOf(0, undefined).messages[0]).toContain('nothing you entered is lost');
    expect(problemOf(401, undefined).title).toBe('Your session has ended');
    expect(problemOf(412, undefined).messages[0]).toContain('Reload');
    expect(problemOf(502, 'Bad gateway').messages).toEqual(['Bad gateway']);
  });

  it('separates warnings and information of a success, and errors of a dry run', () => {
    const outcome: fhir4.OperationOutcome = {
      resourceType: 'OperationOutcome',
      issue: [
        { severity: 'warning', code: 'business-rule', diagnostics: 'Room B is taken on 2026-12-24.' },
        { severity: 'information', code: 'informational', diagnostics: '12 sessions.' },
        { severity: 'error', code: 'conflict', diagnostics: 'Dr Lee is on leave.' },
      ],
    };
    expect(notices(outcome)).toEqual({ warnings: ['Room B is taken on 2026-12-24.'], info: ['12 sessions.'] });
    expect(errorsOf(outcome)).toEqual(['Dr Lee is on leave.']);
    expect(tidy('HAPI-1234:   two   spaces ')).toBe('two spaces');
  });
});
