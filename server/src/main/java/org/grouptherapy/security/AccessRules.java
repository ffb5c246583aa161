package org.grouptherapy.security;

import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRule;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilder;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilderRule;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilderRuleConditional;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilderRuleOp;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilderRuleOpClassifier;
import ca.uhn.fhir.rest.server.interceptor.auth.RuleBuilder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.grouptherapy.kernel.access.Role;
import org.grouptherapy.security.SmartScope.Permission;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Location;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Task;

/**
 * Turns a caller's {@link SmartAccess} into HAPI authorization rules: the token's scopes, limited
 * by the user's roles, with patient/ scopes and a therapist's clinical access bound to patient
 * compartments. HAPI applies them to every request, transaction entry, search result and included
 * resource. Anything no rule allows is denied.
 */
final class AccessRules {

  /** One grant: a resource type (or *) with permissions, maybe within patient compartments. */
  record Grant(
      String resourceType,
      Set<Permission> permissions,
      Collection<IIdType> patients,
      String query) {
    boolean appliesTo(String type) {
      return SmartScope.covers(resourceType, type);
    }
  }

  private AccessRules() {}

  /**
   * The grants of a token.
   *
   * @param caseload the patients a practitioner facilitates or screens, by fhirUser
   */
  static List<Grant> grants(SmartAccess access, Function<String, Set<IIdType>> caseload) {
    List<Grant> grants = new ArrayList<>();
    for (SmartScope scope : access.scopes()) {
      switch (scope.context()) {
        case PATIENT -> {
          if (access.patientId() == null) {
            break;
          }
          IIdType patient = new IdType("Patient", access.patientId());
          if (!access.isUser()) {
            grants.add(
                new Grant(
                    scope.resourceType(), scope.permissions(), List.of(patient), scope.query()));
            break;
          }
          // A staff user who picked a patient at launch: what their role allows, within that
          // patient's compartment (a VA still sees no clinical content, a therapist only a
          // patient of their caseload).
          for (Role role : access.roles()) {
            for (Grant grant : userGrants(scope, role, access, caseload)) {
              if (grant.patients() == null || grant.patients().contains(patient)) {
                grants.add(
                    new Grant(
                        grant.resourceType(),
                        grant.permissions(),
                        List.of(patient),
                        grant.query()));
              }
            }
          }
        }
        case SYSTEM -> {
          if (!access.isUser()) {
            grants.add(new Grant(scope.resourceType(), scope.permissions(), null, scope.query()));
          }
        }
        case USER -> {
          for (Role role : access.roles()) {
            grants.addAll(userGrants(scope, role, access, caseload));
          }
        }
      }
    }
    return grants;
  }

  private static List<Grant> userGrants(
      SmartScope scope, Role role, SmartAccess access, Function<String, Set<IIdType>> caseload) {
    List<String> types =
        role.resourceTypes()
            .map(
                allowed ->
                    SmartScope.ANY_TYPE.equals(scope.resourceType())
                        ? List.copyOf(allowed)
                        : allowed.contains(scope.resourceType())
                            ? List.of(scope.resourceType())
                            : List.<String>of())
            .orElse(List.of(scope.resourceType()));
    List<Grant> grants = new ArrayList<>();
    for (String type : types) {
      switch (role) {
        case PATIENT -> {
          if (access.fhirUser() != null && access.fhirUser().startsWith("Patient/")) {
            grants.add(
                new Grant(
                    type,
                    scope.permissions(),
                    List.of(new IdType(access.fhirUser())),
                    scope.query()));
          }
        }
        case THERAPIST -> {
          Set<IIdType> members =
              access.fhirUser() == null ? Set.of() : caseload.apply(access.fhirUser());
          if (SmartScope.ANY_TYPE.equals(type)) {
            for (String clinical : Role.CLINICAL) {
              grants.add(new Grant(clinical, scope.permissions(), members, scope.query()));
            }
            grants.add(new Grant(type, scope.permissions(), null, scope.query()));
          } else if (Role.CLINICAL.contains(type)) {
            grants.add(new Grant(type, scope.permissions(), members, scope.query()));
          } else {
            grants.add(new Grant(type, scope.permissions(), null, scope.query()));
          }
        }
        default -> grants.add(new Grant(type, scope.permissions(), null, scope.query()));
      }
    }
    return grants;
  }

  /**
   * HAPI's RuleBuilder reuses one builder per verb behind an unnamed {@code allow()}, so that
   * {@code create()} and then {@code write()} would both build create rules; every rule here gets a
   * name of its own, and with it a fresh builder.
   */
  private static final class Rules {
    private final IAuthRuleBuilder builder = new RuleBuilder();
    private int count;

    IAuthRuleBuilderRule allow() {
      return builder.allow("rule-" + count++);
    }

    IAuthRuleBuilderRule deny() {
      return builder.deny("rule-" + count++);
    }

    List<IAuthRule> build() {
      return builder.build();
    }
  }

  static List<IAuthRule> rules(SmartAccess access, List<Grant> grants) {
    Rules rules = new Rules();
    rules.allow().metadata();
    // AuditEvents are kept from non-administrators by AuditTrail itself: HAPI's deny rules
    // would also refuse every history, _include or conditional delete that could touch one.
    // Compartment-bound grants first; then, for a therapist, clinical data outside their
    // caseload is denied before the broader grants are looked at (the first matching rule wins).
    grants.stream().filter(g -> g.patients() != null).forEach(g -> allow(rules, g));
    if (access.roles().contains(Role.THERAPIST)) {
      for (String clinical : Role.CLINICAL) {
        rules.deny().read().resourcesOfType(clinical).withAnyId();
        rules.deny().write().resourcesOfType(clinical).withAnyId();
        rules.deny().delete().resourcesOfType(clinical).withAnyId();
      }
    }
    grants.stream().filter(g -> g.patients() == null).forEach(g -> allow(rules, g));
    allowOperations(rules, access, grants);
    rules.allow().transaction().withAnyOperation().andApplyNormalRules();
    return rules.build();
  }

  private static void allow(Rules rules, Grant grant) {
    if (grant.patients() != null && grant.patients().isEmpty()) {
      return;
    }
    if (grant.permissions().contains(Permission.READ)
        || grant.permissions().contains(Permission.SEARCH)) {
      classify(rules.allow().read(), grant);
    }
    boolean anyType = SmartScope.ANY_TYPE.equals(grant.resourceType());
    if (grant.permissions().contains(Permission.CREATE)) {
      classify(rules.allow().create(), grant);
      conditional(rules.allow().createConditional(), grant, anyType);
    }
    if (grant.permissions().contains(Permission.UPDATE)) {
      classify(rules.allow().write(), grant);
      conditional(rules.allow().updateConditional(), grant, anyType);
      rules.allow().patch().allRequests();
    }
    if (grant.permissions().contains(Permission.DELETE)) {
      classify(rules.allow().delete(), grant);
      conditional(rules.allow().deleteConditional(), grant, anyType);
    }
  }

  /** Conditional writes are then checked against the normal rules for what they touch. */
  private static void conditional(
      IAuthRuleBuilderRuleConditional op, Grant grant, boolean anyType) {
    if (anyType) {
      op.allResources();
    } else {
      op.resourcesOfType(grant.resourceType());
    }
  }

  private static void classify(IAuthRuleBuilderRuleOp op, Grant grant) {
    IAuthRuleBuilderRuleOpClassifier target =
        SmartScope.ANY_TYPE.equals(grant.resourceType())
            ? op.allResources()
            : op.resourcesOfType(grant.resourceType());
    if (grant.patients() != null) {
      if (grant.query() != null) {
        for (IIdType patient : grant.patients()) {
          target.inCompartmentWithFilter("Patient", patient, grant.query());
        }
      } else {
        target.inCompartment("Patient", grant.patients());
      }
    } else if (grant.query() != null) {
      target.withFilter(grant.query());
    } else {
      target.withAnyId();
    }
  }

  /** Creates and updates resources of the type anywhere, not only in one patient's compartment. */
  private static boolean writesUnbound(List<Grant> grants, String type) {
    return grants.stream()
        .anyMatch(
            g ->
                g.patients() == null
                    && g.appliesTo(type)
                    && g.permissions().contains(Permission.CREATE)
                    && g.permissions().contains(Permission.UPDATE));
  }

  private static boolean readsUnbound(List<Grant> grants, String type) {
    return grants.stream()
        .anyMatch(
            g ->
                g.patients() == null
                    && g.appliesTo(type)
                    && g.permissions().contains(Permission.READ));
  }

  private static void allowOperations(Rules rules, SmartAccess access, List<Grant> grants) {
    rules.allow().operation().named("$validate").atAnyLevel().andAllowAllResponses();
    for (String terminology : List.of("$expand", "$lookup", "$validate-code")) {
      rules.allow().operation().named(terminology).atAnyLevel().andAllowAllResponses();
    }
    Optional<Grant> patientRead =
        grants.stream()
            .filter(g -> g.appliesTo("Patient") && g.permissions().contains(Permission.READ))
            .findFirst();
    if (patientRead.isPresent()) {
      if (patientRead.get().patients() == null) {
        rules
            .allow()
            .operation()
            .named("$everything")
            .onInstancesOfType(Patient.class)
            .andRequireExplicitResponseAuthorization();
      } else {
        rules
            .allow()
            .operation()
            .named("$everything")
            .onInstances(patientRead.get().patients())
            .andRequireExplicitResponseAuthorization();
      }
    }
    if (writesUnbound(grants, "Appointment") && writesUnbound(grants, "Slot")) {
      for (String operation : List.of("$schedule-series", "$amend-series", "$cancel-series")) {
        rules
            .allow()
            .operation()
            .named(operation)
            .onInstancesOfType(Group.class)
            .andAllowAllResponses();
      }
      for (String operation :
          List.of(
              "$cancel-session",
              "$find-substitute",
              "$assign-substitute",
              "$skip-session",
              "$move-member")) {
        rules
            .allow()
            .operation()
            .named(operation)
            .onInstancesOfType(Appointment.class)
            .andAllowAllResponses();
      }
    }
    if (writesUnbound(grants, "Appointment")) {
      // IHE ITI Scheduling: an EHR finds, holds and books open group seats for a member.
      rules.allow().operation().named("$find").onType(Appointment.class).andAllowAllResponses();
      rules.allow().operation().named("$hold").onType(Appointment.class).andAllowAllResponses();
      rules.allow().operation().named("$book").onType(Appointment.class).andAllowAllResponses();
    }
    if (readsUnbound(grants, "Appointment") && readsUnbound(grants, "Slot")) {
      for (Class<? extends IBaseResource> type : List.of(Practitioner.class, Location.class)) {
        rules.allow().operation().named("$calendar").onInstancesOfType(type).andAllowAllResponses();
        if (writesUnbound(grants, "Appointment") && writesUnbound(grants, "Slot")) {
          rules
              .allow()
              .operation()
              .named("$calendar-feed")
              .onInstancesOfType(type)
              .andAllowAllResponses();
        }
      }
    }
    // Intake and placement. $place reads the person's screening: whoever may read their
    // Observations (a therapist: their caseload, incl. the people they screen).
    for (Grant grant : grants) {
      if (grant.appliesTo("Observation") && grant.permissions().contains(Permission.READ)) {
        if (grant.patients() == null) {
          rules
              .allow()
              .operation()
              .named("$place")
              .onInstancesOfType(Patient.class)
              .andAllowAllResponses();
        } else if (!grant.patients().isEmpty()) {
          rules
              .allow()
              .operation()
              .named("$place")
              .onInstances(grant.patients())
              .andAllowAllResponses();
        }
      }
    }
    if (writesUnbound(grants, "Group") && writesUnbound(grants, "Appointment")) {
      for (String operation : List.of("$member-add", "$member-remove")) {
        rules
            .allow()
            .operation()
            .named(operation)
            .onInstancesOfType(Group.class)
            .andAllowAllResponses();
      }
      if (readsUnbound(grants, "Observation")) {
        rules
            .allow()
            .operation()
            .named("$place-waitlist")
            .onType(Group.class)
            .andAllowAllResponses();
      }
    }
    if (readsUnbound(grants, "Task")) {
      rules.allow().operation().named("$intake-board").onType(Task.class).andAllowAllResponses();
    }
    if (readsUnbound(grants, "Group") && readsUnbound(grants, "Appointment")) {
      rules
          .allow()
          .operation()
          .named("$retention-report")
          .onType(Group.class)
          .andAllowAllResponses();
    }
    // Attendance and billing. Recording attendance writes Encounters and the session: the people
    // who run sessions (a therapist only the sessions they facilitate: BillingOperations checks),
    // not billers, who reconcile and package what was recorded.
    boolean runsSessions =
        !access.isUser()
            || access.roles().stream()
                .anyMatch(r -> r == Role.VA || r == Role.THERAPIST || r == Role.ADMIN);
    if (runsSessions
        && writesUnbound(grants, "Encounter")
        && writesUnbound(grants, "Appointment")) {
      rules
          .allow()
          .operation()
          .named("$record-attendance")
          .onInstancesOfType(Appointment.class)
          .andAllowAllResponses();
    }
    if (writesUnbound(grants, "Claim") && readsUnbound(grants, "Encounter")) {
      rules
          .allow()
          .operation()
          .named("$reconcile-attendance")
          .onInstancesOfType(Appointment.class)
          .andAllowAllResponses();
      rules
          .allow()
          .operation()
          .named("$reconcile-attendance")
          .onType(Appointment.class)
          .andAllowAllResponses();
    }
    boolean updatesClaims =
        grants.stream()
            .anyMatch(
                g ->
                    g.patients() == null
                        && g.appliesTo("Claim")
                        && g.permissions().contains(Permission.UPDATE));
    if (updatesClaims && readsUnbound(grants, "Claim")) {
      rules
          .allow()
          .operation()
          .named("$mark-received")
          .onType(org.hl7.fhir.r4.model.Claim.class)
          .andAllowAllResponses();
    }
    if (readsUnbound(grants, "Claim") && readsUnbound(grants, "Encounter")) {
      rules
          .allow()
          .operation()
          .named("$billing-summary")
          .onType(Appointment.class)
          .andAllowAllResponses();
    }
    if (readsUnbound(grants, "Claim")) {
      rules
          .allow()
          .operation()
          .named("$billing-package")
          .onType(org.hl7.fhir.r4.model.Claim.class)
          .andAllowAllResponses();
    }
    List<String> exportable =
        grants.stream()
            .filter(g -> g.patients() == null && g.permissions().contains(Permission.READ))
            .map(Grant::resourceType)
            .toList();
    boolean isSystem = !access.isUser() && access.patientId() == null;
    if (isSystem && !exportable.isEmpty()) {
      if (exportable.contains(SmartScope.ANY_TYPE)) {
        rules.allow().bulkExport().systemExport();
      } else {
        rules.allow().bulkExport().systemExport().withResourceTypes(exportable);
      }
      rules.allow().operation().named("$export").onServer().andAllowAllResponses();
      rules.allow().operation().named("$export-poll-status").onServer().andAllowAllResponses();
      // The export's NDJSON files are Binary resources the job wrote for this request.
      rules.allow().read().resourcesOfType("Binary").withAnyId();
    }
  }
}
