package org.grouptherapy.billing;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.List;
import java.util.Optional;
import org.grouptherapy.fhir.FhirStorageInterceptor;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.access.Callers;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * No member billed twice for one session, on every Claim write (REST, transaction, the server's
 * own): a live Claim for a group session (known by its member-session identifier, or by the session
 * of the Encounter on its lines) holds the row (patient, session) of {@code claim_member_session},
 * in the same transaction. A second live claim for the same member and session is 409 naming the
 * first; PostgreSQL's unique key settles two writers at once. A cancelled or entered-in-error claim
 * lets go of its row. Importing claims from an earlier system that are known to overlap is possible
 * with the header {@value #OVERRIDE_HEADER}: reconcile then reports them as duplicates.
 */
@Component
@Interceptor
public class ClaimGuard implements FhirStorageInterceptor {

  public static final String OVERRIDE_HEADER = "X-Billing-Override-Reason";

  private final JdbcTemplate jdbc;
  private final DaoRegistry daos;
  private final Callers callers;

  ClaimGuard(JdbcTemplate jdbc, DaoRegistry daos, Callers callers) {
    this.jdbc = jdbc;
    this.daos = daos;
    this.callers = callers;
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
  public void created(IBaseResource resource, RequestDetails request) {
    if (resource instanceof Claim claim) {
      hold(claim, request);
    }
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource resource, RequestDetails request) {
    if (resource instanceof Claim claim) {
      letGo(claim);
      hold(claim, request);
    }
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
  public void deleted(IBaseResource resource) {
    if (resource instanceof Claim claim) {
      letGo(claim);
    }
  }

  private void letGo(Claim claim) {
    jdbc.update("DELETE FROM gt.claim_member_session WHERE claim_id = ?", id(claim));
    jdbc.update("DELETE FROM gt.claim_override WHERE claim_id = ?", id(claim));
  }

  /**
   * The live claims of these sessions ({@code Appointment/…}) with the session each bills: the rows
   * this guard keeps, held and overridden alike, so billing loads them by id instead of searching
   * Claims by Encounter.
   */
  java.util.Map<String, String> claimsOf(java.util.Collection<String> sessions) {
    java.util.Map<String, String> sessionOfClaim = new java.util.LinkedHashMap<>();
    String[] wanted = sessions.toArray(String[]::new);
    jdbc.query(
        "SELECT claim_id, session FROM gt.claim_member_session WHERE session = ANY (?)"
            + " UNION ALL SELECT claim_id, session FROM gt.claim_override WHERE session = ANY (?)"
            + " ORDER BY 1",
        ps -> {
          ps.setArray(1, ps.getConnection().createArrayOf("text", wanted));
          ps.setArray(2, ps.getConnection().createArrayOf("text", wanted));
        },
        row -> {
          sessionOfClaim.put(row.getString(1), row.getString(2));
        });
    return sessionOfClaim;
  }

  private void hold(Claim claim, RequestDetails request) {
    if (claim.getStatus() == Claim.ClaimStatus.CANCELLED
        || claim.getStatus() == Claim.ClaimStatus.ENTEREDINERROR) {
      return;
    }
    String patient = References.of(claim.getPatient());
    Optional<String> session = patient == null ? Optional.empty() : sessionOf(claim, patient);
    if (overridden(request)) {
      recordOverride(claim, request);
      session.ifPresent(
          s ->
              jdbc.update(
                  "INSERT INTO gt.claim_override (claim_id, patient, session) VALUES (?, ?, ?)",
                  id(claim),
                  patient,
                  s));
      return;
    }
    if (session.isEmpty()) {
      return; // not a claim for a group session
    }
    int inserted =
        jdbc.update(
            "INSERT INTO gt.claim_member_session (claim_id, patient, session) VALUES (?, ?, ?)"
                + " ON CONFLICT DO NOTHING",
            id(claim),
            patient,
            session.get());
    if (inserted == 0) {
      List<String> holder =
          jdbc.queryForList(
              "SELECT claim_id FROM gt.claim_member_session WHERE patient = ? AND session = ?",
              String.class,
              patient,
              session.get());
      throw org.grouptherapy.kernel.Outcomes.conflict(
          patient
              + " is already billed for "
              + session.get()
              + (holder.isEmpty() ? "" : " by " + holder.get(0))
              + ": one claim per member per session (cancel that claim first, or correct it)");
    }
  }

  /** The session a claim bills: from its member-session identifier, else its lines' Encounter. */
  private Optional<String> sessionOf(Claim claim, String patient) {
    Optional<String> byKey =
        claim.getIdentifier().stream()
            .filter(i -> BillingCodes.MEMBER_SESSION_SYSTEM.equals(i.getSystem()) && i.hasValue())
            .map(i -> BillingCodes.sessionOfKey(i.getValue(), patient))
            .flatMap(Optional::stream)
            .findFirst();
    if (byKey.isPresent()) {
      return byKey;
    }
    for (Claim.ItemComponent item : claim.getItem()) {
      for (Reference reference : item.getEncounter()) {
        String encounterId = References.of(reference);
        if (encounterId == null || !encounterId.startsWith("Encounter/")) {
          continue;
        }
        try {
          Encounter encounter =
              daos.getResourceDao(Encounter.class)
                  .read(new IdType(encounterId), new SystemRequestDetails());
          for (Reference appointment : encounter.getAppointment()) {
            String session = References.of(appointment);
            if (session != null) {
              return Optional.of(session);
            }
          }
        } catch (ResourceNotFoundException | ResourceGoneException e) {
          // a line pointing nowhere names no session
        }
      }
    }
    return Optional.empty();
  }

  /** Provenance of a claim stored past the guard: who, when and why. */
  private void recordOverride(Claim claim, RequestDetails request) {
    org.hl7.fhir.r4.model.Provenance provenance =
        org.grouptherapy.kernel.OverrideProvenance.of(
            claim.getIdElement().toUnqualified().getValue(),
            request.getHeader(OVERRIDE_HEADER).strip(),
            "HOPERAT",
            Callers.agent(callers.actor(request).orElse(null), "unknown"),
            List.of("One claim per member per session"));
    provenance.getActivity().setText("Claim stored past one-claim-per-member-per-session");
    daos.getResourceDao(org.hl7.fhir.r4.model.Provenance.class)
        .create(provenance, new SystemRequestDetails());
  }

  private static boolean overridden(RequestDetails request) {
    if (request == null || request instanceof SystemRequestDetails) {
      return false;
    }
    String reason = request.getHeader(OVERRIDE_HEADER);
    return reason != null && !reason.isBlank();
  }

  private static String id(Claim claim) {
    return claim.getIdElement().toUnqualifiedVersionless().getValue();
  }
}
