package org.grouptherapy.billing;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.grouptherapy.billing.ClaimRules.MemberFacts;
import org.grouptherapy.billing.ClaimRules.SessionFacts;
import org.grouptherapy.billing.ClaimRules.SessionResult;
import org.grouptherapy.kernel.GroupSession;
import org.grouptherapy.kernel.PracticeTime;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.Searches;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Coverage;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.springframework.stereotype.Service;

/**
 * Reads what billing decisions depend on, in bulk: the sessions of a scope (by date of service in
 * each group's zone), and for a window of them their groups, Encounters, notes, Claims, and each
 * member's coverage and diagnoses. Reconciling a month is then a few dozen searches, not thousands.
 * The verdicts are {@link ClaimRules}'.
 */
@Service
class ClaimReadModel {

  /**
   * Sessions read ahead at a time: enough to make each bulk search worth it, few enough that a
   * month of a large practice never sits in memory at once.
   */
  static final int WINDOW = 200;

  private final DaoRegistry daos;
  private final BillingRules rules;
  private final PracticeTime time;
  private final Timer prefetchTimer;
  private final ReadsAlongside alongside;
  private final ClaimGuard guard;

  /**
   * A reconcile runs in one transaction; the entities its searches load would stay in the
   * persistence context, and Hibernate dirty-checks all of them before every later query. The
   * resources are copied out as FHIR objects, so the entities are let go after each bulk read.
   */
  @PersistenceContext private EntityManager entityManager;

  ClaimReadModel(
      DaoRegistry daos,
      BillingRules rules,
      PracticeTime time,
      MeterRegistry meters,
      ReadsAlongside alongside,
      ClaimGuard guard) {
    this.alongside = alongside;
    this.guard = guard;
    this.daos = daos;
    this.rules = rules;
    this.time = time;
    this.prefetchTimer =
        Timer.builder("gt.billing.prefetch")
            .description("Bulk reads of one window of sessions for reconcile, summary and package")
            .register(meters);
  }

  Run newRun() {
    return new Run();
  }

  /** Caches for one run: each group, and each patient's coverage and diagnoses, read once. */
  final class Run implements MemberFacts {
    private final SystemRequestDetails read = new SystemRequestDetails();
    private final Map<String, List<Coverage>> coverage = new HashMap<>();
    private final Map<String, List<String>> diagnoses = new HashMap<>();
    private final Map<String, List<Condition>> conditions = new HashMap<>();
    private final Map<String, Coverage> coverageById = new HashMap<>();
    private final Map<String, Encounter> encounterById = new HashMap<>();
    private final Map<String, Optional<String>> payerIds = new HashMap<>();
    private final Map<String, Group> groups = new HashMap<>();
    private final Map<String, Map<String, Encounter>> encountersBySession = new HashMap<>();
    private final Map<String, DocumentReference> notesByEncounter = new HashMap<>();
    private final Map<String, Map<String, List<Claim>>> claimsBySession = new HashMap<>();
    private long prefetchNanos;
    private final ReadsAlongside.Times readTimes = new ReadsAlongside.Times();

    /** Time spent in bulk reads so far in this run. */
    long prefetchMillis() {
      return prefetchNanos / 1_000_000;
    }

    /** Where the bulk reads went: per kind of read, milliseconds and resources. */
    String readTimes() {
      return readTimes.toString();
    }

    /**
     * The sessions in scope, oldest first. For a period: every group session whose date of service
     * (its local date in its group's zone) lies within the period's days.
     */
    List<Appointment> sessions(ReconcileScope scope) {
      if (scope instanceof ReconcileScope.OneSession one) {
        return List.of(readSession(one.session()));
      }
      return sessionsOf((ReconcileScope.Period) scope);
    }

    private Appointment readSession(String id) {
      try {
        return daos.getResourceDao(Appointment.class).read(new IdType(id), read);
      } catch (ResourceGoneException e) {
        throw new ResourceNotFoundException(id + " was deleted");
      }
    }

    private List<Appointment> sessionsOf(ReconcileScope.Period period) {
      // A day of margin each side: groups in other zones than the practice's date their sessions
      // by their own clock.
      ZoneId zone = time.zone();
      Instant from = PracticeTime.startOf(period.start().minusDays(1), zone);
      Instant to = PracticeTime.startOf(period.end().plusDays(2), zone);
      SearchParameterMap search =
          SearchParameterMap.newSynchronous()
              .add(
                  Appointment.SP_DATE,
                  new DateParam(ParamPrefixEnum.GREATERTHAN_OR_EQUALS, Date.from(from)))
              .add(Appointment.SP_DATE, new DateParam(ParamPrefixEnum.LESSTHAN, Date.from(to)));
      if (period.group() != null) {
        search.add("supporting-info", new ReferenceParam(period.group()));
      }
      if (period.practitioner() != null) {
        search.add(Appointment.SP_PRACTITIONER, new ReferenceParam(period.practitioner()));
      }
      List<Appointment> candidates = new ArrayList<>();
      for (IBaseResource found :
          daos.getResourceDao(Appointment.class).searchForResources(search, read)) {
        if (GroupSession.groupOf((Appointment) found).isPresent()) {
          candidates.add((Appointment) found);
        }
      }
      entityManager.clear(); // the Appointments are copied out; see the field's comment
      readGroups(candidates);
      List<Appointment> sessions = new ArrayList<>();
      for (Appointment session : candidates) {
        LocalDate date = serviceDate(session);
        if (!date.isBefore(period.start()) && !date.isAfter(period.end())) {
          sessions.add(session);
        }
      }
      sessions.sort(
          Comparator.comparing(Appointment::getStart)
              .thenComparing(References::of, References.BY_ID));
      return sessions;
    }

    /** A session's date of service: its local date in its group's zone. */
    LocalDate serviceDate(Appointment session) {
      Group group = GroupSession.groupOf(session).map(groups::get).orElse(null);
      return PracticeTime.dateOf(session, time.zoneOf(group));
    }

    /**
     * Checks the sessions in order, reading ahead {@link #WINDOW} at a time, and hands each
     * session's result on.
     */
    void each(List<Appointment> sessions, String payerFilter, Consumer<SessionResult> then) {
      Instant now = time.now();
      for (int from = 0; from < sessions.size(); from += WINDOW) {
        List<Appointment> window = sessions.subList(from, Math.min(sessions.size(), from + WINDOW));
        long started = System.nanoTime();
        prefetchTimer.record(() -> prefetch(window));
        prefetchNanos += System.nanoTime() - started;
        for (Appointment session : window) {
          then.accept(ClaimRules.check(facts(session, now), this, payerFilter, rules));
        }
      }
    }

    private SessionFacts facts(Appointment session, Instant now) {
      String id = References.of(session);
      Map<String, Encounter> encounters = encountersBySession.getOrDefault(id, Map.of());
      Map<String, DocumentReference> notes = new HashMap<>();
      for (Encounter encounter : encounters.values()) {
        DocumentReference note = notesByEncounter.get(References.of(encounter));
        if (note != null) {
          notes.put(References.of(note.getSubject()), note);
        }
      }
      return new SessionFacts(
          session,
          GroupSession.groupOf(session).map(groups::get).orElse(null),
          serviceDate(session),
          session.getStart().toInstant().isAfter(now),
          encounters,
          notes,
          claimsBySession.getOrDefault(id, Map.of()));
    }

    /** One session's facts and its checked result, as reconcile sees them (for a review). */
    ClaimRules.SessionResult review(
        Appointment session, java.util.function.Consumer<SessionFacts> facts) {
      prefetch(List.of(session));
      SessionFacts found = facts(session, time.now());
      facts.accept(found);
      return ClaimRules.check(found, this, null, rules);
    }

    /** Reads what these sessions need in bulk, forgetting the previous window's. */
    private void prefetch(List<Appointment> sessions) {
      encountersBySession.clear();
      encounterById.clear();
      notesByEncounter.clear();
      claimsBySession.clear();
      readGroups(sessions);
      Set<String> patients = new LinkedHashSet<>();
      List<String> sessionIds = new ArrayList<>();
      for (Appointment session : sessions) {
        sessionIds.add(References.of(session));
        patients.addAll(GroupSession.membersOf(session));
      }
      Map<String, String> sessionOfEncounter = readEncounters(sessions);
      Set<String> encounters = Set.copyOf(sessionOfEncounter.keySet());
      long started = System.nanoTime();
      java.util.concurrent.Future<List<DocumentReference>> notes =
          alongside.submit(
              () ->
                  Searches.referencing(
                      daos,
                      DocumentReference.class,
                      DocumentReference.SP_ENCOUNTER,
                      encounters,
                      new SystemRequestDetails()));
      patients.addAll(readClaims(sessionIds));
      readCoverageAndDiagnoses(patients);
      keepCurrentNotes(ReadsAlongside.joined(notes));
      readTimes.add("DocumentReference by encounter, alongside", started, notesByEncounter.size());
    }

    private void readGroups(List<Appointment> sessions) {
      Set<String> wanted = new LinkedHashSet<>();
      sessions.forEach(
          s -> GroupSession.groupOf(s).filter(g -> !groups.containsKey(g)).ifPresent(wanted::add));
      for (List<String> chunk : Searches.chunks(wanted)) {
        for (Group found : Searches.byIds(daos, Group.class, chunk, read)) {
          groups.put(References.of(found), found);
        }
        entityManager.clear();
      }
    }

    /** The sessions' Encounters by session and member; returns each Encounter's session. */
    private Map<String, String> readEncounters(List<Appointment> sessions) {
      Map<String, String> sessionOfEncounter = new HashMap<>();
      List<String> ids = sessions.stream().map(References::of).toList();
      for (Encounter encounter :
          bulk(Encounter.class, Encounter.SP_APPOINTMENT, ids, search -> {})) {
        if (encounter.getStatus() == Encounter.EncounterStatus.CANCELLED
            || encounter.getStatus() == Encounter.EncounterStatus.ENTEREDINERROR) {
          continue;
        }
        for (Reference appointment : encounter.getAppointment()) {
          String session = References.of(appointment);
          encountersBySession
              .computeIfAbsent(session, x -> new HashMap<>())
              .put(References.of(encounter.getSubject()), encounter);
          sessionOfEncounter.put(References.of(encounter), session);
          encounterById.put(References.of(encounter), encounter);
        }
      }
      return sessionOfEncounter;
    }

    /** The current note of each Encounter, a signed one before an unsigned one. */
    private void keepCurrentNotes(List<DocumentReference> notes) {
      for (DocumentReference note : notes) {
        if (note.getStatus() != Enumerations.DocumentReferenceStatus.CURRENT) {
          continue;
        }
        for (Reference encounter : note.getContext().getEncounter()) {
          String id = References.of(encounter);
          DocumentReference other = notesByEncounter.get(id);
          if (other == null || ClaimRules.signed(note) && !ClaimRules.signed(other)) {
            notesByEncounter.put(id, note);
          }
        }
      }
    }

    /**
     * Live Claims of the sessions, found by the rows {@link ClaimGuard} keeps for each (the
     * server's own, other systems' and overridden ones alike) and loaded by id; returns the
     * patients they bill (maybe not on the session: the payer filter must see them).
     */
    private Set<String> readClaims(Collection<String> sessions) {
      long started = System.nanoTime();
      Map<String, String> sessionOfClaim = guard.claimsOf(sessions);
      List<Claim> found = Searches.byIds(daos, Claim.class, sessionOfClaim.keySet(), read);
      entityManager.clear();
      readTimes.add("Claim by id", started, found.size());
      Set<String> billed = new LinkedHashSet<>();
      for (Claim claim : found) {
        String session = sessionOfClaim.get(References.of(claim));
        if (session == null
            || claim.getStatus() == Claim.ClaimStatus.CANCELLED
            || claim.getStatus() == Claim.ClaimStatus.ENTEREDINERROR) {
          continue;
        }
        String patient = References.of(claim.getPatient());
        claimsBySession
            .computeIfAbsent(session, x -> new LinkedHashMap<>())
            .computeIfAbsent(patient, x -> new ArrayList<>())
            .add(claim);
        billed.add(patient);
      }
      return billed;
    }

    /** Coverage and diagnoses of the patients not read in an earlier window. */
    private void readCoverageAndDiagnoses(Set<String> patients) {
      patients.removeIf(coverage::containsKey);
      patients.forEach(p -> coverage.putIfAbsent(p, List.of()));
      patients.forEach(p -> diagnoses.putIfAbsent(p, new ArrayList<>()));
      Map<String, List<Coverage>> covers = new HashMap<>();
      for (Coverage c :
          bulk(
              Coverage.class,
              Coverage.SP_BENEFICIARY,
              patients,
              search -> search.add(Coverage.SP_STATUS, new TokenParam("active")))) {
        covers.computeIfAbsent(References.of(c.getBeneficiary()), x -> new ArrayList<>()).add(c);
        coverageById.put(References.of(c), c);
      }
      coverage.putAll(covers);
      for (Condition condition :
          bulk(Condition.class, Condition.SP_SUBJECT, patients, search -> {})) {
        List<String> codes = diagnoses.get(References.of(condition.getSubject()));
        if (codes != null) {
          ClaimRules.addDiagnoses(condition, codes);
          conditions
              .computeIfAbsent(References.of(condition.getSubject()), x -> new ArrayList<>())
              .add(condition);
        }
      }
    }

    /** A bulk read, a chunk at a time, letting go of the entities after each (see above). */
    private <T extends IBaseResource> List<T> bulk(
        Class<T> type,
        String parameter,
        Collection<String> references,
        Consumer<SearchParameterMap> more) {
      long started = System.nanoTime();
      List<T> out = new ArrayList<>();
      for (List<String> chunk : Searches.chunks(references)) {
        out.addAll(Searches.referencing(daos, type, parameter, chunk, more, read));
        entityManager.clear();
      }
      readTimes.add(type.getSimpleName() + " by " + parameter, started, out.size());
      return out;
    }

    @Override
    public CoverageOnDate coverage(String patient, LocalDate serviceDate) {
      return CoverageOnDate.choose(
          coverage.getOrDefault(patient, List.of()), serviceDate, time.zone());
    }

    /** The payer id of the coverage with this id (empty if it cannot be read). */
    Optional<String> payerIdOfCoverage(String coverageId) {
      try {
        return payerId(daos.getResourceDao(Coverage.class).read(new IdType(coverageId), read));
      } catch (RuntimeException gone) {
        return Optional.empty();
      }
    }

    @Override
    public Optional<String> payerId(Coverage coverage) {
      String payer =
          coverage.getPayor().isEmpty() ? null : References.of(coverage.getPayorFirstRep());
      if (!References.isOf(payer, "Organization")) {
        return Optional.empty();
      }
      return payerIds.computeIfAbsent(
          payer,
          p -> {
            try {
              Organization organization =
                  daos.getResourceDao(Organization.class).read(new IdType(p), read);
              return organization.getIdentifier().stream()
                  .filter(i -> BillingCodes.PAYER_ID.equals(i.getSystem()))
                  .map(Identifier::getValue)
                  .findFirst();
            } catch (ResourceNotFoundException | ResourceGoneException e) {
              return Optional.empty();
            }
          });
    }

    /**
     * A resource this run holds already: an Encounter of the current window, or a member's active
     * Coverage; empty when it must be read.
     */
    Optional<Resource> held(String reference) {
      Resource found = encounterById.get(reference);
      return Optional.ofNullable(found != null ? found : coverageById.get(reference));
    }

    /** A member's Conditions, as read with their diagnoses. */
    List<Condition> conditionsOf(String patient) {
      return conditions.getOrDefault(patient, List.of());
    }

    @Override
    public List<String> diagnoses(String patient) {
      return diagnoses.getOrDefault(patient, List.of());
    }
  }
}
