/**
 * Server refusals in words a VA acts on: the OperationOutcome's own text, placed next to the field
 * it names (issue.expression), and for what a role may not do, who decides it instead.
 */
export interface Problem {
  /** HTTP status, 0 when the server could not be reached. */
  status: number;
  /** One sentence per issue, the server's own words. */
  messages: string[];
  /** Messages by the parameter or field they concern (from issue.expression). */
  byField: Record<string, string>;
  /** A general heading for the refusal. */
  title: string;
}

const ISSUE_ORDER: Record<string, number> = { fatal: 0, error: 1, warning: 2, information: 3 };

function issueText(issue: fhir4.OperationOutcomeIssue): string {
  return (issue.diagnostics || issue.details?.text || issue.code || 'The server refused this.').trim();
}

/** Reads an OperationOutcome (or anything else a server answered) into a Problem. */
export function problemOf(status: number, body: unknown, role?: string): Problem {
  const outcome =
    body && typeof body === 'object' && (body as { resourceType?: string }).resourceType === 'OperationOutcome'
      ? (body as fhir4.OperationOutcome)
      : undefined;
  const issues = (outcome?.issue ?? [])
    .filter((i) => i.severity === 'error' || i.severity === 'fatal')
    .sort((a, b) => (ISSUE_ORDER[a.severity] ?? 9) - (ISSUE_ORDER[b.severity] ?? 9));
  const messages = issues.map(issueText).map(tidy);
  const byField: Record<string, string> = {};
  for (const issue of issues) {
    for (const expression of issue.expression ?? []) {
      const field = expression.split('.')[0];
      byField[field] = byField[field] ? `${byField[field]} ${tidy(issueText(issue))}` : tidy(issueText(issue));
    }
  }
  if (messages.length === 0 && typeof body === 'string' && body.trim() && body.length < 300) {
    messages.push(body.trim());
  }
  return { status, messages: messages.length ? messages : [fallback(status, role)], byField, title: title(status, role) };
}

/** Drops HAPI's message codes ("HAPI-0333: ") that mean nothing to a person. */
export function tidy(text: string): string {
  return text.replace(/^HAPI-\d+:\s*/, '').replace(/\s+/g, ' ').trim();
}

export function title(status: number, role?: string): string {
  switch (status) {
    case 0:
      return 'The server could not be reached';
    case 400:
    case 422:
      return 'Please check what you entered';
    case 401:
      return 'Your session has ended';
    case 403:
      return role === 'VA' ? 'This is not part of a VA’s work' : 'Your role does not allow this';
    case 404:
    case 410:
      return 'Not found';
    case 409:
      return 'This clashes with something else';
    case 412:
      return 'Someone else changed this meanwhile';
    default:
      return status >= 500 ? 'The server had a problem' : 'The server refused this';
  }
}

function fallback(status: number, role?: string): string {
  switch (status) {
    case 0:
      return 'Check the connection and try again; nothing you entered is lost.';
    case 401:
      return 'Sign in again to continue; what you entered stays on this page.';
    case 403:
      return role === 'VA'
        ? 'Clinical content and decisions belong to the therapists: a therapist decides this.'
        : 'Ask an administrator if you need this.';
    case 404:
      return 'It may have been removed. Refresh the page.';
    case 412:
      return 'Reload to see the latest version, then make your change again.';
    default:
      return status >= 500 ? 'Try again in a moment. If it keeps happening, tell the administrator.' : 'The server refused this.';
  }
}

/** The warnings and information of an OperationOutcome that succeeded, in words. */
export function notices(outcome: fhir4.OperationOutcome | undefined): { warnings: string[]; info: string[] } {
  const warnings: string[] = [];
  const info: string[] = [];
  for (const issue of outcome?.issue ?? []) {
    const text = tidy(issueText(issue));
    if (issue.severity === 'warning') {
      warnings.push(text);
    } else if (issue.severity === 'information') {
      info.push(text);
    }
  }
  return { warnings, info };
}

/** Errors of an OperationOutcome that came back in a 200 (a dry run's conflicts). */
export function errorsOf(outcome: fhir4.OperationOutcome | undefined): string[] {
  return (outcome?.issue ?? [])
    .filter((i) => i.severity === 'error' || i.severity === 'fatal')
    .map((i) => tidy(issueText(i)));
}
