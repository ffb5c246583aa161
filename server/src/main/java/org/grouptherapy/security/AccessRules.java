package org.grouptherapy.security;

import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRule;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilder;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilderOperationNamed;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilderOperationNamedAndScoped;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilderRule;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilderRuleConditional;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilderRuleOp;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilderRuleOpClassifier;
import ca.uhn.fhir.rest.server.interceptor.auth.RuleBuilder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.grouptherapy.kernel.access.Caller;
import org.grouptherapy.kernel.access.CallerGrants;
import org.grouptherapy.kernel.access.OperationPermit;
import org.grouptherapy.kernel.access.Role;
import org.grouptherapy.security.SmartScope.Permission;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;

/**
 * Turns a caller's {@link SmartAccess} into HAPI authorization rules: the token's scopes, limited
 * by the user's roles, with patient/ scopes and a therapist's clinical access bound to patient
 * compartments. HAPI applies them to every request, transaction entry, search result and included
 * resource. Anything no rule allows is denied.
 */
final class AccessRules {

  /**
   * One grant: a resource type (or *) with permissions, maybe within patient compartments; a grant
   * of every type may leave some types out (a therapist's clinical types, granted per caseload).
   */
  record Grant(
      String resourceType,
      Set<Permission> permissions,
      Collection<IIdType> patients,
      String query,
      Set<String> except) {

    Grant(
        String resourceType,
        Set<Permission> permissions,
        Collection<IIdType> patients,
        String query) {
      this(resourceType, permissions, patients, query, Set.of());
    }

    boolean appliesTo(String type) {
      return SmartScope.covers(resourceType, type) && !except.contains(type);
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
                        grant.query(),
                        grant.except()));
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
          Set<Permission> reads = EnumSet.noneOf(Permission.class);
          reads.addAll(scope.permissions());
          reads.retainAll(EnumSet.of(Permission.READ, Permission.SEARCH));
          if (SmartScope.ANY_TYPE.equals(type)) {
            for (String clinical : Role.CLINICAL) {
              grants.add(new Grant(clinical, scope.permissions(), members, scope.query()));
            }
            for (String assigning : Role.ASSIGNS_CARE) {
              if (!reads.isEmpty()) {
                grants.add(new Grant(assigning, reads, null, scope.query()));
              }
            }
            Set<String> except = new HashSet<>(Role.CLINICAL);
            except.addAll(Role.ASSIGNS_CARE);
            grants.add(new Grant(type, scope.permissions(), null, scope.query(), except));
          } else if (Role.CLINICAL.contains(type)) {
            grants.add(new Grant(type, scope.permissions(), members, scope.query()));
          } else if (Role.ASSIGNS_CARE.contains(type)) {
            if (!reads.isEmpty()) {
              grants.add(new Grant(type, reads, null, scope.query()));
            }
          } else {
            grants.add(new Grant(type, scope.permissions(), null, scope.query()));
          }
        }
        case CODER -> {
          // Reads only, whatever the scope asks for.
          Set<Permission> reads = EnumSet.noneOf(Permission.class);
          reads.addAll(scope.permissions());
          reads.retainAll(EnumSet.of(Permission.READ, Permission.SEARCH));
          if (!reads.isEmpty()) {
            grants.add(new Grant(type, reads, null, scope.query()));
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

  static List<IAuthRule> rules(
      SmartAccess access, List<Grant> grants, List<OperationPermit> permits) {
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
      if (!access.roles().contains(Role.VA) && !access.roles().contains(Role.ADMIN)) {
        for (String assigning : Role.ASSIGNS_CARE) {
          rules.deny().create().resourcesOfType(assigning).withAnyId();
          rules.deny().write().resourcesOfType(assigning).withAnyId();
          rules.deny().delete().resourcesOfType(assigning).withAnyId();
        }
      }
    }
    grants.stream().filter(g -> g.patients() == null).forEach(g -> allow(rules, g));
    allowOperations(rules, access, grants, permits);
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

  /**
   * HAPI's own operations ({@code $validate}, terminology, {@code $everything}, Bulk export), then
   * each feature's operations as their permits allow this caller.
   */
  private static void allowOperations(
      Rules rules, SmartAccess access, List<Grant> grants, List<OperationPermit> permits) {
    rules.allow().operation().named("$validate").atAnyLevel().andAllowAllResponses();
    for (String terminology : List.of("$expand", "$lookup", "$validate-code")) {
      rules.allow().operation().named(terminology).atAnyLevel().andAllowAllResponses();
    }
    allowEverything(rules, grants);
    CallerGrants view = new GrantsView(access, grants);
    for (OperationPermit permit : permits) {
      allow(rules, permit, permit.reach().apply(view));
    }
    allowBulkExport(rules, access, grants);
  }

  private static void allow(Rules rules, OperationPermit permit, OperationPermit.Reach reach) {
    if (reach instanceof OperationPermit.Reach.None) {
      return;
    }
    IAuthRuleBuilderOperationNamed named = rules.allow().operation().named(permit.operation());
    IAuthRuleBuilderOperationNamedAndScoped scoped =
        switch (permit.level()) {
          case SERVER -> named.onServer();
          case TYPE -> named.onType(permit.type());
          case INSTANCE ->
              reach instanceof OperationPermit.Reach.Only only
                  ? named.onInstances(only.instances())
                  : named.onInstancesOfType(permit.type());
        };
    scoped.andAllowAllResponses();
  }

  private static void allowEverything(Rules rules, List<Grant> grants) {
    Optional<Grant> patientRead =
        grants.stream()
            .filter(g -> g.appliesTo("Patient") && g.permissions().contains(Permission.READ))
            .findFirst();
    if (patientRead.isEmpty()) {
      return;
    }
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

  private static void allowBulkExport(Rules rules, SmartAccess access, List<Grant> grants) {
    List<String> exportable =
        grants.stream()
            .filter(g -> g.patients() == null && g.permissions().contains(Permission.READ))
            .map(Grant::resourceType)
            .toList();
    boolean isSystem = !access.isUser() && access.patientId() == null;
    if (!isSystem || exportable.isEmpty()) {
      return;
    }
    // System, Group/[id] and Patient-level exports alike, of the types the client reads (a
    // client limited to some types names them in _type).
    if (exportable.contains(SmartScope.ANY_TYPE)) {
      rules.allow().bulkExport().any();
    } else {
      rules.allow().bulkExport().any().withResourceTypes(exportable);
    }
    rules.allow().operation().named("$export").onServer().andAllowAllResponses();
    if (exportable.contains(SmartScope.ANY_TYPE) || exportable.contains("Group")) {
      rules
          .allow()
          .operation()
          .named("$export")
          .onInstancesOfType(org.hl7.fhir.r4.model.Group.class)
          .andAllowAllResponses();
    }
    if (exportable.contains(SmartScope.ANY_TYPE) || exportable.contains("Patient")) {
      rules.allow().operation().named("$export").onType(Patient.class).andAllowAllResponses();
      rules
          .allow()
          .operation()
          .named("$export")
          .onInstancesOfType(Patient.class)
          .andAllowAllResponses();
    }
    rules.allow().operation().named("$export-poll-status").onServer().andAllowAllResponses();
    // The export's NDJSON files are Binary resources the job wrote for this request.
    rules.allow().read().resourcesOfType("Binary").withAnyId();
  }

  /** A caller's grants as the features' operation permits ask about them. */
  record GrantsView(SmartAccess access, List<Grant> grants) implements CallerGrants {

    @Override
    public Caller caller() {
      return access;
    }

    /** Reads every resource type, for all patients (an administrator, a system/*.rs client). */
    boolean readsEverythingAnywhere() {
      return readsUnbound(grants, SmartScope.ANY_TYPE)
          && grants.stream()
              .noneMatch(g -> g.patients() != null && SmartScope.ANY_TYPE.equals(g.resourceType()))
          && !access.roles().contains(Role.THERAPIST);
    }

    /**
     * The patients within whose compartments alone the caller reads the type (maybe none: a
     * therapist with no caseload); empty when no such grant applies.
     */
    Optional<Set<IIdType>> compartmentsOf(String type) {
      List<Grant> bound =
          grants.stream()
              .filter(g -> g.patients() != null && g.appliesTo(type))
              .filter(g -> g.permissions().contains(Permission.READ))
              .toList();
      if (bound.isEmpty()) {
        return Optional.empty();
      }
      Set<IIdType> patients = new LinkedHashSet<>();
      bound.forEach(g -> patients.addAll(g.patients()));
      return Optional.of(patients);
    }

    /** The patient whose compartment bounds everything the caller sees, if any. */
    Optional<String> patientContext() {
      if (access.patientId() != null) {
        return Optional.of("Patient/" + access.patientId());
      }
      if (access.roles().contains(Role.PATIENT) && access.fhirUser() != null) {
        return Optional.of(access.fhirUser());
      }
      return Optional.empty();
    }

    @Override
    public boolean readsAnywhere(String type) {
      return readsUnbound(grants, type);
    }

    @Override
    public boolean writesAnywhere(String type) {
      return writesUnbound(grants, type);
    }

    @Override
    public boolean updatesAnywhere(String type) {
      return grants.stream()
          .anyMatch(
              g ->
                  g.patients() == null
                      && g.appliesTo(type)
                      && g.permissions().contains(Permission.UPDATE));
    }

    @Override
    public Optional<Collection<IIdType>> readablePatients(String type) {
      Set<IIdType> patients = new LinkedHashSet<>();
      grants.stream()
          .filter(g -> g.patients() != null && g.appliesTo(type))
          .filter(g -> g.permissions().contains(Permission.READ))
          .forEach(g -> patients.addAll(g.patients()));
      return patients.isEmpty() ? Optional.empty() : Optional.of(patients);
    }
  }
}
