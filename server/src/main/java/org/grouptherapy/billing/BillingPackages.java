package org.grouptherapy.billing;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.TokenParam;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.grouptherapy.billing.ClaimRules.Line;
import org.grouptherapy.billing.ClaimRules.Problem;
import org.grouptherapy.kernel.InvalidParameter;
import org.grouptherapy.kernel.Outcomes;
import org.grouptherapy.kernel.PracticeTime;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.Searches;
import org.grouptherapy.system.Hashes;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Resource;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@code Claim/$billing-package}: the draft Claims of a period that have no open problem, with
 * everything they reference, as a collection Bundle identified by a fingerprint of the claims and
 * their versions; and what was held back and why.
 */
@Service
class BillingPackages {

  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(BillingPackages.class);

  /** A package: the Bundle, and the claims it holds (for the X12 writer). */
  record Package(Bundle bundle, List<Claim> claims, Map<String, Resource> resources) {}

  private final ClaimReadModel readModel;
  private final DaoRegistry daos;
  private final PracticeTime time;
  private final TransactionTemplate transaction;
  private final RemittanceImport remittances;

  BillingPackages(
      ClaimReadModel readModel,
      DaoRegistry daos,
      PracticeTime time,
      PlatformTransactionManager transactionManager,
      RemittanceImport remittances) {
    this.remittances = remittances;
    this.readModel = readModel;
    this.daos = daos;
    this.time = time;
    this.transaction = new TransactionTemplate(transactionManager);
  }

  Package build(ReconcileScope.Period scope) {
    return transaction.execute(status -> packageOf(scope));
  }

  private Package packageOf(ReconcileScope.Period scope) {
    SystemRequestDetails read = new SystemRequestDetails();
    if (scope.payer() != null && !payerExists(scope.payer(), read)) {
      throw InvalidParameter.unprocessable(
          "payer", "No payer Organization has payer id " + scope.payer());
    }
    long started = System.nanoTime();
    ClaimReadModel.Run run = readModel.newRun();
    // Claims a clearinghouse or payer rejected before adjudication (999, 277CA) were never
    // received: they go into the next package again.
    Set<String> rejected = remittances.rejectedClaims();
    List<Appointment> sessions = run.sessions(scope);
    List<Claim> included = new ArrayList<>();
    Set<String> wanted = new LinkedHashSet<>();
    Map<String, Resource> known = new HashMap<>();
    OperationOutcome held = new OperationOutcome();
    List<Claim> alreadySent = new ArrayList<>();
    run.each(
        sessions,
        scope.payer(),
        result -> {
          for (Line line : result.lines()) {
            if (line.claims().isEmpty()) {
              if (line.expected() != null) {
                BillingService.issue(
                    held,
                    line.billable()
                        ? line.notYetClaimed()
                        : line.problems().stream()
                            .filter(Problem::error)
                            .findFirst()
                            .orElseThrow());
              }
            } else if (!line.billable() || line.claims().size() > 1) {
              line.problems().stream()
                  .filter(Problem::error)
                  .map(
                      p ->
                          new Problem(
                              false, p.code(), "Held back: " + p.text(), p.fix(), p.resources()))
                  .forEach(p -> BillingService.issue(held, p));
            } else if (line.claims().get(0).getStatus() != Claim.ClaimStatus.DRAFT
                && !rejected.contains(References.of(line.claims().get(0)))) {
              alreadySent.add(line.claims().get(0));
            } else {
              included.add(line.claims().get(0));
              collect(line.claims().get(0), line, run, wanted, known);
            }
          }
        });
    if (included.isEmpty()) {
      throw InvalidParameter.unprocessable("start", nothingBillable(scope, alreadySent, held));
    }
    long checked = System.nanoTime();
    Map<String, Resource> resources = resolve(wanted, known, read);
    log.debug(
        "Package of {} claims over {} sessions: checked in {} ms (bulk reads {} ms: {}), {} of"
            + " {} references read in {} ms",
        included.size(),
        sessions.size(),
        (checked - started) / 1_000_000,
        run.prefetchMillis(),
        run.readTimes(),
        wanted.size() - known.size(),
        wanted.size(),
        (System.nanoTime() - checked) / 1_000_000);
    return new Package(bundle(included, resources, alreadySent, held), included, resources);
  }

  /** The claims, what they reference, and last what was held back and why. */
  private Bundle bundle(
      List<Claim> included,
      Map<String, Resource> resources,
      List<Claim> alreadySent,
      OperationOutcome held) {
    Bundle bundle = new Bundle().setType(Bundle.BundleType.COLLECTION);
    bundle.setTimestamp(Date.from(time.now()));
    bundle.getIdentifier().setSystem(BillingCodes.PACKAGE_SYSTEM).setValue(fingerprint(included));
    for (Claim claim : included) {
      bundle.addEntry().setFullUrl(fullUrl(claim)).setResource(claim);
    }
    for (Resource resource : resources.values()) {
      bundle.addEntry().setFullUrl(fullUrl(resource)).setResource(resource);
    }
    if (!alreadySent.isEmpty()) {
      Outcomes.info(
          held,
          alreadySent.size()
              + " claim(s) of the period were received before (status active): not repeated");
    }
    if (held.getIssue().isEmpty()) {
      Outcomes.info(held, "Every claim in the period is in the package");
    }
    bundle.addEntry().setResource(held);
    return bundle;
  }

  private static String nothingBillable(
      ReconcileScope.Period scope, List<Claim> alreadySent, OperationOutcome held) {
    return "No billable claims"
        + (scope.payer() == null ? "" : " for payer " + scope.payer())
        + (scope.group() == null ? "" : " in " + scope.group())
        + " between "
        + scope.start()
        + " and "
        + scope.end()
        + (alreadySent.isEmpty() ? "" : " (" + alreadySent.size() + " already received)")
        + (held.getIssue().isEmpty()
            ? ": run $reconcile-attendance on the period first"
            : ": "
                + held.getIssue().size()
                + " held back ("
                + held.getIssueFirstRep().getDiagnostics()
                + (held.getIssue().size() > 1 ? ", …" : "")
                + ")");
  }

  /**
   * What a claim references (and the member's diagnoses), in order of first mention: what the run
   * holds already goes into {@code known}, the rest is read in bulk by {@link #resolve}.
   */
  private static void collect(
      Claim claim,
      Line line,
      ClaimReadModel.Run run,
      Set<String> wanted,
      Map<String, Resource> known) {
    List<String> references = new ArrayList<>();
    references.add(line.patient());
    references.add(References.of(claim.getProvider()));
    references.add(References.of(claim.getInsurer()));
    claim.getInsurance().forEach(i -> references.add(References.of(i.getCoverage())));
    claim.getCareTeam().forEach(t -> references.add(References.of(t.getProvider())));
    claim.getItem().forEach(i -> i.getEncounter().forEach(e -> references.add(References.of(e))));
    for (String reference : references) {
      if (reference != null && wanted.add(reference)) {
        run.held(reference).ifPresent(r -> known.put(reference, r));
      }
    }
    for (Condition condition : run.conditionsOf(line.patient())) {
      String reference = References.of(condition);
      if (wanted.add(reference)) {
        known.put(reference, condition);
      }
    }
  }

  /**
   * The wanted resources in order: the known ones, the others read a few hundred at a time per
   * type. A dangling reference stays a reference.
   */
  private Map<String, Resource> resolve(
      Set<String> wanted, Map<String, Resource> known, SystemRequestDetails read) {
    Map<String, List<String>> missingByType = new LinkedHashMap<>();
    for (String reference : wanted) {
      if (!known.containsKey(reference) && new IdType(reference).hasResourceType()) {
        missingByType
            .computeIfAbsent(new IdType(reference).getResourceType(), t -> new ArrayList<>())
            .add(reference);
      }
    }
    Map<String, Resource> found = new HashMap<>(known);
    missingByType.forEach(
        (type, references) -> {
          Class<? extends IBaseResource> resourceType = daos.getResourceDao(type).getResourceType();
          for (IBaseResource resource : Searches.byIds(daos, resourceType, references, read)) {
            found.put(References.of(resource), (Resource) resource);
          }
        });
    Map<String, Resource> ordered = new LinkedHashMap<>();
    for (String reference : wanted) {
      Resource resource = found.get(reference);
      if (resource != null) {
        ordered.put(reference, resource);
      }
    }
    return ordered;
  }

  private boolean payerExists(String payerId, SystemRequestDetails read) {
    SearchParameterMap search =
        SearchParameterMap.newSynchronous()
            .add(Organization.SP_IDENTIFIER, new TokenParam(BillingCodes.PAYER_ID, payerId));
    return !daos.getResourceDao(Organization.class).searchForResources(search, read).isEmpty();
  }

  private static String fullUrl(Resource resource) {
    return "urn:grouptherapy:" + References.of(resource);
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
