package org.grouptherapy.billing;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.grouptherapy.billing.ClaimRules.Line;
import org.grouptherapy.billing.ClaimRules.Problem;
import org.grouptherapy.billing.ClaimRules.SessionResult;
import org.grouptherapy.kernel.Outcomes;
import org.grouptherapy.kernel.PracticeTime;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.ServerWrites;
import org.grouptherapy.kernel.TransactionLocks;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@code $reconcile-attendance} and {@code $billing-summary}. A reconcile runs in one transaction
 * under one PostgreSQL advisory lock: two runs at once take turns (the second sees the first's
 * Claims and creates none), and a run that fails leaves nothing behind.
 */
@Service
public class BillingService {

  /** The advisory lock every reconcile and receipt takes, for the rest of its transaction. */
  static final String LOCK = "billing:reconcile";

  /** New claims are written in nested transaction Bundles of this many. */
  private static final int CLAIMS_PER_BUNDLE = 200;

  private final ClaimReadModel readModel;
  private final ServerWrites writes;
  private final TransactionLocks locks;
  private final PracticeTime time;
  private final TransactionTemplate transaction;
  private final Timer reconcileTimer;

  private final RemittanceImport remittances;

  BillingService(
      ClaimReadModel readModel,
      ServerWrites writes,
      TransactionLocks locks,
      PracticeTime time,
      PlatformTransactionManager transactionManager,
      MeterRegistry meters,
      RemittanceImport remittances) {
    this.remittances = remittances;
    this.readModel = readModel;
    this.writes = writes;
    this.locks = locks;
    this.time = time;
    this.transaction = new TransactionTemplate(transactionManager);
    this.reconcileTimer =
        Timer.builder("gt.billing.reconcile")
            .description("$reconcile-attendance, from its lock to its answer")
            .register(meters);
  }

  public Parameters reconcile(ReconcileScope scope) {
    return transaction.execute(
        status -> {
          locks.lock(LOCK);
          return reconcileTimer.record(() -> check(scope, true));
        });
  }

  /** The same checks and per-session summary as a reconcile, writing nothing. */
  public Parameters summary(ReconcileScope scope) {
    TransactionTemplate readOnly = new TransactionTemplate(transaction.getTransactionManager());
    readOnly.setReadOnly(true);
    return readOnly.execute(status -> check(scope, false));
  }

  /** Totals of one run, as the per-session summaries add up. */
  private static final class Totals {
    int created;
    BigDecimal amount = BigDecimal.ZERO.setScale(2);
  }

  private Parameters check(ReconcileScope scope, boolean create) {
    ClaimReadModel.Run run = readModel.newRun();
    List<Appointment> sessions = run.sessions(scope);
    Parameters out = new Parameters();
    OperationOutcome outcome = new OperationOutcome();
    Totals totals = new Totals();
    Date now = Date.from(time.now());
    List<Claim> pending = new ArrayList<>();
    run.each(
        sessions,
        scope.payer(),
        result -> {
          for (Line line : result.lines()) {
            if (create && line.billable() && line.claims().isEmpty()) {
              // No claim for this key exists (read under the lock that every reconcile takes).
              pending.add(ClaimMapper.claim(line.expected(), now));
              if (pending.size() == CLAIMS_PER_BUNDLE) {
                totals.created += writeClaims(pending, out);
              }
            }
          }
          Map<String, RemittanceImport.Remitted> remitted =
              remittances.of(
                  result.lines().stream()
                      .flatMap(l -> l.claims().stream())
                      .map(References::of)
                      .toList());
          totals.amount = totals.amount.add(summarize(result, create, outcome, out, remitted));
        });
    if (create) {
      totals.created += writeClaims(pending, out);
    }
    if (outcome.getIssue().isEmpty()) {
      Outcomes.info(outcome, "No problems: attendance, notes, coverage and claims agree");
    }
    out.addParameter().setName("sessions").setValue(new IntegerType(sessions.size()));
    if (create) {
      out.addParameter().setName("created").setValue(new IntegerType(totals.created));
    }
    out.addParameter().setName("amount").setValue(new DecimalType(totals.amount));
    out.addParameter().setName("outcome").setResource(outcome);
    return out;
  }

  /**
   * Adds a session's problems to the outcome and its summary (members, units, amount, issues) to
   * the output; returns its billable amount.
   */
  private static BigDecimal summarize(
      SessionResult result,
      boolean create,
      OperationOutcome outcome,
      Parameters out,
      Map<String, RemittanceImport.Remitted> remitted) {
    int members = 0;
    int units = 0;
    int issues = 0;
    BigDecimal amount = BigDecimal.ZERO.setScale(2);
    for (Line line : result.lines()) {
      List<Problem> problems = new ArrayList<>(line.problems());
      if (line.expected() != null) {
        members++;
        if (line.billable()) {
          units += line.expected().units();
          amount = amount.add(line.expected().amount());
        }
        if (!create && line.billable() && line.claims().isEmpty()) {
          problems.add(line.notYetClaimed());
        } else if (!line.billable() && line.claims().isEmpty()) {
          problems.add(
              new Problem(
                  true,
                  "attendance-without-claim",
                  line.patient() + " attended " + line.session() + " but has no claim",
                  "Fix the problems above for this member and session, then reconcile again",
                  List.of(line.session(), line.patient())));
        }
      }
      for (Claim claim : line.claims()) {
        String claimId = References.of(claim);
        java.util.Optional.ofNullable(remitted.get(claimId))
            .flatMap(r -> RemittanceImport.problem(claimId, line.patient(), r))
            .ifPresent(problems::add);
      }
      problems.forEach(p -> issue(outcome, p));
      issues += problems.size();
    }
    Parameters.ParametersParameterComponent summary = out.addParameter().setName("session");
    summary.addPart().setName("session").setValue(new Reference(References.of(result.session())));
    if (result.group() != null) {
      summary
          .addPart()
          .setName("group")
          .setValue(
              new Reference(References.of(result.group())).setDisplay(result.group().getName()));
    }
    summary.addPart().setName("members").setValue(new IntegerType(members));
    summary.addPart().setName("units").setValue(new IntegerType(units));
    summary.addPart().setName("amount").setValue(new DecimalType(amount));
    summary.addPart().setName("issues").setValue(new IntegerType(issues));
    return amount;
  }

  /**
   * Writes new claims as one nested transaction Bundle (inside the reconcile's transaction), as a
   * client's Bundle would be: HAPI resolves their references and inserts them in batches.
   */
  private int writeClaims(List<Claim> claims, Parameters out) {
    if (claims.isEmpty()) {
      return 0;
    }
    ServerWrites.Batch batch = writes.batch();
    claims.forEach(batch::create);
    for (String location : batch.commit(ServerWrites.writer(null))) {
      out.addParameter().setName("claim").setValue(new Reference(References.unversioned(location)));
    }
    int written = claims.size();
    claims.clear();
    // Keep the persistence context small: HAPI flushes it before each of its queries.
    writes.release();
    return written;
  }

  /** A problem as an OperationOutcome issue: the fix in details.text, resources as expressions. */
  static void issue(OperationOutcome outcome, Problem problem) {
    OperationOutcome.OperationOutcomeIssueComponent issue =
        Outcomes.add(
            outcome,
            problem.error()
                ? OperationOutcome.IssueSeverity.ERROR
                : OperationOutcome.IssueSeverity.WARNING,
            problem.error()
                ? OperationOutcome.IssueType.BUSINESSRULE
                : OperationOutcome.IssueType.INCOMPLETE,
            problem.text());
    issue.setDetails(
        new CodeableConcept(new Coding(BillingCodes.BILLING_PROBLEM_SYSTEM, problem.code(), null))
            .setText(problem.fix()));
    problem.resources().forEach(issue::addExpression);
  }
}
