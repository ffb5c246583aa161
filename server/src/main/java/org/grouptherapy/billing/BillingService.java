package org.grouptherapy.billing;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.model.DaoMethodOutcome;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.grouptherapy.billing.ClaimReconciler.Line;
import org.grouptherapy.billing.ClaimReconciler.Problem;
import org.grouptherapy.billing.ClaimReconciler.Scope;
import org.grouptherapy.fhir.ProfileValidationInterceptor;
import org.grouptherapy.kernel.InvalidParameter;
import org.grouptherapy.kernel.Outcomes;
import org.grouptherapy.kernel.References;
import org.grouptherapy.system.Hashes;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@code $reconcile-attendance} and {@code Claim/$billing-package}. A reconcile runs in one
 * transaction under one PostgreSQL advisory lock: two runs at once take turns (the second sees the
 * first's Claims and creates none), and a run that fails leaves nothing behind.
 */
@Service
public class BillingService {

  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(BillingService.class);

  private final ClaimReconciler reconciler;
  private final DaoRegistry daos;
  private final JdbcTemplate jdbc;
  private final Clock clock;
  private final TransactionTemplate transaction;
  private final ca.uhn.fhir.jpa.api.dao.IFhirSystemDao<Bundle, org.hl7.fhir.r4.model.Meta>
      systemDao;

  @jakarta.persistence.PersistenceContext private jakarta.persistence.EntityManager entityManager;

  BillingService(
      ClaimReconciler reconciler,
      DaoRegistry daos,
      JdbcTemplate jdbc,
      Clock clock,
      PlatformTransactionManager transactionManager,
      ca.uhn.fhir.jpa.api.dao.IFhirSystemDao<Bundle, org.hl7.fhir.r4.model.Meta> systemDao) {
    this.systemDao = systemDao;
    this.reconciler = reconciler;
    this.daos = daos;
    this.jdbc = jdbc;
    this.clock = clock;
    this.transaction = new TransactionTemplate(transactionManager);
  }

  // --- reconcile --------------------------------------------------------------------------------

  public Parameters reconcile(Scope scope) {
    return transaction.execute(
        status -> {
          lock();
          return reconcileLocked(scope, true);
        });
  }

  /** The lock every reconcile and receipt takes, for the rest of its transaction. */
  private void lock() {
    jdbc.queryForObject(
        "SELECT pg_advisory_xact_lock(hashtextextended('billing:reconcile', 7))", Object.class);
  }

  /** The same checks and per-session summary as a reconcile, writing nothing. */
  public Parameters summary(Scope scope) {
    TransactionTemplate readOnly = new TransactionTemplate(transaction.getTransactionManager());
    readOnly.setReadOnly(true);
    return readOnly.execute(status -> reconcileLocked(scope, false));
  }

  private Parameters reconcileLocked(Scope scope, boolean create) {
    SystemRequestDetails read = new SystemRequestDetails();
    SystemRequestDetails write = new SystemRequestDetails();
    write.getUserData().put(ProfileValidationInterceptor.BUILT_BY_SERVER, Boolean.TRUE);
    ClaimReconciler.Run run = reconciler.newRun();
    long started = System.nanoTime();
    List<Appointment> sessions = reconciler.sessions(scope, read);
    long found = System.nanoTime();
    Parameters out = new Parameters();
    OperationOutcome outcome = new OperationOutcome();
    int[] created = {0};
    BigDecimal[] total = {BigDecimal.ZERO.setScale(2)};
    Date now = Date.from(clock.instant());
    List<Claim> pending = new ArrayList<>();
    run.each(
        sessions,
        scope.payer(),
        result -> {
          Appointment session = result.session();
          int members = 0;
          int units = 0;
          BigDecimal amount = BigDecimal.ZERO.setScale(2);
          int issues = 0;
          for (Line line : result.lines()) {
            for (Problem problem : line.problems()) {
              issue(outcome, problem);
              issues++;
            }
            if (line.expected() == null) {
              continue;
            }
            members++;
            if (line.billable()) {
              units += line.expected().units();
              amount = amount.add(line.expected().amount());
            }
            if (create && line.billable() && line.claims().isEmpty()) {
              // No claim for this key exists (read under the lock that every reconcile takes).
              pending.add(ClaimReconciler.claim(line.expected(), now));
              if (pending.size() == 200) {
                created[0] += writeClaims(pending, write, out);
              }
            } else if (!create && line.billable() && line.claims().isEmpty()) {
              issue(outcome, line.notYetClaimed());
              issues++;
            } else if (!line.billable() && line.claims().isEmpty()) {
              Problem held =
                  new Problem(
                      true,
                      "attendance-without-claim",
                      line.patient() + " attended " + line.session() + " but has no claim",
                      "Fix the problems above for this member and session, then reconcile again",
                      List.of(line.session(), line.patient()));
              issue(outcome, held);
              issues++;
            }
          }
          total[0] = total[0].add(amount);
          Parameters.ParametersParameterComponent summary = out.addParameter().setName("session");
          summary
              .addPart()
              .setName("session")
              .setValue(new Reference(ClaimReconciler.idOf(session)));
          if (result.group() != null) {
            summary
                .addPart()
                .setName("group")
                .setValue(
                    new Reference(
                            result.group().getIdElement().toUnqualifiedVersionless().getValue())
                        .setDisplay(result.group().getName()));
          }
          summary.addPart().setName("members").setValue(new IntegerType(members));
          summary.addPart().setName("units").setValue(new IntegerType(units));
          summary.addPart().setName("amount").setValue(new DecimalType(amount));
          summary.addPart().setName("issues").setValue(new IntegerType(issues));
        });
    if (create) {
      created[0] += writeClaims(pending, write, out);
    }
    log.debug(
        "reconcile: {} sessions found in {} ms, read, checked and written in {} ms",
        sessions.size(),
        (found - started) / 1_000_000,
        (System.nanoTime() - found) / 1_000_000);
    if (outcome.getIssue().isEmpty()) {
      Outcomes.info(outcome, "No problems: attendance, notes, coverage and claims agree");
    }
    out.addParameter().setName("sessions").setValue(new IntegerType(sessions.size()));
    if (create) {
      out.addParameter().setName("created").setValue(new IntegerType(created[0]));
    }
    out.addParameter().setName("amount").setValue(new DecimalType(total[0]));
    out.addParameter().setName("outcome").setResource(outcome);
    return out;
  }

  /**
   * Writes new claims as one nested transaction Bundle (inside the reconcile's transaction), as a
   * client's Bundle would be: HAPI resolves their references and inserts them in batches.
   */
  private int writeClaims(List<Claim> claims, SystemRequestDetails write, Parameters out) {
    if (claims.isEmpty()) {
      return 0;
    }
    Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    for (Claim claim : claims) {
      bundle
          .addEntry()
          .setResource(claim)
          .getRequest()
          .setMethod(Bundle.HTTPVerb.POST)
          .setUrl("Claim");
    }
    Bundle response = systemDao.transactionNested(write, bundle);
    for (Bundle.BundleEntryComponent entry : response.getEntry()) {
      out.addParameter()
          .setName("claim")
          .setValue(
              new Reference(
                  new IdType(entry.getResponse().getLocation())
                      .toUnqualifiedVersionless()
                      .getValue()));
    }
    int written = claims.size();
    claims.clear();
    // Keep the persistence context small: HAPI flushes it before each of its queries.
    entityManager.flush();
    entityManager.clear();
    return written;
  }

  private static void issue(OperationOutcome outcome, Problem problem) {
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

  // --- receipts -------------------------------------------------------------------------------

  /**
   * A clearinghouse confirms it received claims: each draft Claim becomes active (submitted), and a
   * completed Task records the receipt (identified by the package id when given, so a repeated
   * confirmation changes nothing).
   */
  public Parameters markReceived(List<String> claims, String packageId, String actor) {
    if (claims.isEmpty()) {
      throw InvalidParameter.malformed("claim", "Name the received claims (claim references)");
    }
    return transaction.execute(
        status -> {
          lock();
          SystemRequestDetails system = new SystemRequestDetails();
          int received = 0;
          for (String reference : claims) {
            Claim claim;
            try {
              claim = daos.getResourceDao(Claim.class).read(new IdType(reference), system);
            } catch (ResourceNotFoundException | ResourceGoneException e) {
              throw InvalidParameter.unprocessable("claim", reference + " does not exist");
            }
            if (claim.getStatus() == Claim.ClaimStatus.CANCELLED
                || claim.getStatus() == Claim.ClaimStatus.ENTEREDINERROR) {
              throw InvalidParameter.unprocessable(
                  "claim",
                  reference
                      + " is "
                      + claim.getStatus().toCode()
                      + ": it cannot have been received for billing");
            }
            if (claim.getStatus() == Claim.ClaimStatus.DRAFT) {
              claim.setStatus(Claim.ClaimStatus.ACTIVE);
              SystemRequestDetails write = new SystemRequestDetails();
              write.getUserData().put(ProfileValidationInterceptor.BUILT_BY_SERVER, Boolean.TRUE);
              daos.getResourceDao(Claim.class).update(claim, write);
              received++;
            }
          }
          org.hl7.fhir.r4.model.Task receipt = new org.hl7.fhir.r4.model.Task();
          receipt.setStatus(org.hl7.fhir.r4.model.Task.TaskStatus.COMPLETED);
          receipt.setIntent(org.hl7.fhir.r4.model.Task.TaskIntent.ORDER);
          receipt
              .getCode()
              .addCoding(
                  new Coding(
                      BillingCodes.BILLING_PROBLEM_SYSTEM.replace(
                          "billing-problem", "billing-codes"),
                      "package-received",
                      "Billing package received"));
          if (packageId != null) {
            receipt.addIdentifier().setSystem(BillingCodes.PACKAGE_SYSTEM).setValue(packageId);
          }
          receipt.setAuthoredOn(Date.from(clock.instant()));
          receipt.setLastModified(Date.from(clock.instant()));
          if (actor != null) {
            receipt.getBusinessStatus().setText("Received by " + actor);
          }
          claims.forEach(
              c ->
                  receipt
                      .addInput()
                      .setType(new CodeableConcept().setText("claim"))
                      .setValue(
                          new Reference(new IdType(c).toUnqualifiedVersionless().getValue())));
          DaoMethodOutcome task =
              packageId == null
                  ? daos.getResourceDao(org.hl7.fhir.r4.model.Task.class).create(receipt, system)
                  : daos.getResourceDao(org.hl7.fhir.r4.model.Task.class)
                      .create(
                          receipt,
                          "Task?identifier=" + BillingCodes.PACKAGE_SYSTEM + "|" + packageId,
                          system);
          Parameters out = new Parameters();
          out.addParameter().setName("received").setValue(new IntegerType(received));
          out.addParameter()
              .setName("receipt")
              .setValue(new Reference(task.getId().toUnqualifiedVersionless().getValue()));
          return out;
        });
  }

  // --- billing packages -------------------------------------------------------------------------

  /** A package: the Bundle, and the claims it holds (for the X12 writer). */
  public record Package(Bundle bundle, List<Claim> claims, Map<String, Resource> resources) {}

  public Package billingPackage(Scope scope) {
    return transaction.execute(status -> packageOf(scope));
  }

  private Package packageOf(Scope scope) {
    SystemRequestDetails read = new SystemRequestDetails();
    if (scope.payer() != null && !payerExists(scope.payer(), read)) {
      throw InvalidParameter.unprocessable(
          "payer", "No payer Organization has payer id " + scope.payer());
    }
    ClaimReconciler.Run run = reconciler.newRun();
    List<Appointment> sessions = reconciler.sessions(scope, read);
    List<Claim> included = new ArrayList<>();
    Map<String, Resource> resources = new LinkedHashMap<>();
    OperationOutcome held = new OperationOutcome();
    int[] alreadySent = {0};
    run.each(
        sessions,
        scope.payer(),
        result -> {
          for (Line line : result.lines()) {
            if (line.claims().isEmpty()) {
              if (line.expected() != null) {
                issue(
                    held,
                    line.billable()
                        ? line.notYetClaimed()
                        : line.problems().stream()
                            .filter(Problem::error)
                            .findFirst()
                            .orElseThrow());
              }
              continue;
            }
            if (!line.billable() || line.claims().size() > 1) {
              line.problems().stream()
                  .filter(Problem::error)
                  .forEach(
                      p ->
                          issue(
                              held,
                              new Problem(
                                  false,
                                  p.code(),
                                  "Held back: " + p.text(),
                                  p.fix(),
                                  p.resources())));
              continue;
            }
            Claim claim = line.claims().get(0);
            if (claim.getStatus() != Claim.ClaimStatus.DRAFT) {
              alreadySent[0]++;
              continue;
            }
            included.add(claim);
            collect(claim, line, resources, read);
          }
        });
    if (included.isEmpty()) {
      String text =
          "No billable claims"
              + (scope.payer() == null ? "" : " for payer " + scope.payer())
              + (scope.group() == null ? "" : " in " + scope.group())
              + " between "
              + scope.start()
              + " and "
              + scope.end()
              + (alreadySent[0] > 0 ? " (" + alreadySent[0] + " already received)" : "")
              + (held.getIssue().isEmpty()
                  ? ": run $reconcile-attendance on the period first"
                  : ": "
                      + held.getIssue().size()
                      + " held back ("
                      + held.getIssueFirstRep().getDiagnostics()
                      + (held.getIssue().size() > 1 ? ", …" : "")
                      + ")");
      throw InvalidParameter.unprocessable("start", text);
    }
    Bundle bundle = new Bundle().setType(Bundle.BundleType.COLLECTION);
    bundle.setTimestamp(Date.from(clock.instant()));
    bundle.getIdentifier().setSystem(BillingCodes.PACKAGE_SYSTEM).setValue(fingerprint(included));
    for (Claim claim : included) {
      bundle.addEntry().setFullUrl(fullUrl(claim)).setResource(claim);
    }
    for (Resource resource : resources.values()) {
      bundle.addEntry().setFullUrl(fullUrl(resource)).setResource(resource);
    }
    if (alreadySent[0] > 0) {
      Outcomes.info(
          held,
          alreadySent
              + " claim(s) of the period were received before (status active): not repeated");
    }
    if (held.getIssue().isEmpty()) {
      Outcomes.info(held, "Every claim in the period is in the package");
    }
    bundle.addEntry().setResource(held);
    return new Package(bundle, included, resources);
  }

  private void collect(
      Claim claim, Line line, Map<String, Resource> into, SystemRequestDetails read) {
    List<String> references = new ArrayList<>();
    references.add(line.patient());
    references.add(References.of(claim.getProvider()));
    references.add(References.of(claim.getInsurer()));
    claim.getInsurance().forEach(i -> references.add(References.of(i.getCoverage())));
    claim.getCareTeam().forEach(t -> references.add(References.of(t.getProvider())));
    claim.getItem().forEach(i -> i.getEncounter().forEach(e -> references.add(References.of(e))));
    for (String reference : references) {
      if (reference == null || into.containsKey(reference)) {
        continue;
      }
      try {
        IdType id = new IdType(reference);
        into.put(reference, (Resource) daos.getResourceDao(id.getResourceType()).read(id, read));
      } catch (ResourceNotFoundException | ResourceGoneException e) {
        // a dangling reference stays a reference
      }
    }
    for (IBaseResource found :
        daos.getResourceDao(Condition.class)
            .searchForResources(
                ca.uhn.fhir.jpa.searchparam.SearchParameterMap.newSynchronous()
                    .add(
                        Condition.SP_SUBJECT,
                        new ca.uhn.fhir.rest.param.ReferenceParam(line.patient())),
                read)) {
      into.putIfAbsent(
          found.getIdElement().toUnqualifiedVersionless().getValue(), (Resource) found);
    }
  }

  private boolean payerExists(String payerId, SystemRequestDetails read) {
    return !daos.getResourceDao(org.hl7.fhir.r4.model.Organization.class)
        .searchForResources(
            ca.uhn.fhir.jpa.searchparam.SearchParameterMap.newSynchronous()
                .add(
                    org.hl7.fhir.r4.model.Organization.SP_IDENTIFIER,
                    new ca.uhn.fhir.rest.param.TokenParam(BillingCodes.PAYER_ID, payerId)),
            read)
        .isEmpty();
  }

  private static String fullUrl(Resource resource) {
    return "urn:grouptherapy:" + resource.getIdElement().toUnqualifiedVersionless().getValue();
  }

  /** The same claims at the same versions make the same package id. */
  private static String fingerprint(List<Claim> claims) {
    StringBuilder ids = new StringBuilder();
    for (Claim claim : claims) {
      ids.append(claim.getIdElement().toUnqualified().getValue());
    }
    return Hashes.sha256Hex(ids.toString()).substring(0, 20);
  }
}
