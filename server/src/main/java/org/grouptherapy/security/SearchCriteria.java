package org.grouptherapy.security;

import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.grouptherapy.fhir.FhirRestInterceptor;
import org.grouptherapy.kernel.References;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * A search may only ask about what the caller may read: the criteria, not only the results. A
 * criterion that looks into another resource type (reverse chaining {@code _has}, a chained
 * parameter {@code subject.name}, {@code _sort} on a chain, {@code _list}) needs read access to
 * that type everywhere, since the criterion is evaluated across all of it; {@code _include} and
 * {@code _revinclude} need read access to what they include (what the caller may not see of it is
 * left out, see {@link ResultFilter}); {@code _filter} needs read access to everything. In patient
 * context a search may name no other patient and chain nowhere. Anything else is refused with 403
 * naming the parameter and what would allow it. Searches of types the caller reads only within
 * patient compartments are narrowed to those compartments ({@link CompartmentNarrowing}), so counts
 * and totals say no more either.
 */
@Component
@Interceptor
class SearchCriteria implements FhirRestInterceptor {

  private final CallerResolver callers;
  private final ObjectProvider<ISearchParamRegistry> searchParameters;

  SearchCriteria(CallerResolver callers, ObjectProvider<ISearchParamRegistry> searchParameters) {
    this.callers = callers;
    this.searchParameters = searchParameters;
  }

  @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED, order = -20)
  public void checkCriteria(RequestDetails request) {
    RestOperationTypeEnum operation = request.getRestOperationType();
    if (operation != RestOperationTypeEnum.SEARCH_TYPE
        && operation != RestOperationTypeEnum.SEARCH_SYSTEM) {
      return;
    }
    callers
        .current(request)
        .ifPresent(caller -> check(request.getResourceName(), request.getParameters(), caller));
  }

  void check(String type, Map<String, String[]> parameters, CallerResolver.Caller caller) {
    AccessRules.GrantsView grants = caller.view();
    if (grants.readsEverythingAnywhere()) {
      return;
    }
    boolean patientContext = grants.patientContext().isPresent();
    for (Map.Entry<String, String[]> parameter : parameters.entrySet()) {
      String name = parameter.getKey();
      String[] values = parameter.getValue();
      switch (name) {
        case "_filter" -> refuse(name, "a _filter reaches any resource type: ask an administrator");
        case "_list" -> requireAnywhere(grants, name, "List");
        case "_include", "_include:iterate", "_include:recurse" -> {
          for (String value : values) {
            for (String included : includedTypes(type, value, false)) {
              requireReadable(grants, name + "=" + value, included);
            }
          }
        }
        case "_revinclude", "_revinclude:iterate", "_revinclude:recurse" -> {
          for (String value : values) {
            for (String included : includedTypes(type, value, true)) {
              requireReadable(grants, name + "=" + value, included);
            }
          }
        }
        case "_sort" -> {
          for (String value : values) {
            for (String field : value.split(",")) {
              String path = field.strip().replaceFirst("^-", "");
              if (path.contains(".")) {
                chained(grants, "_sort=" + field, type, path, patientContext);
              }
            }
          }
        }
        default -> criterion(grants, type, name, values, patientContext);
      }
    }
  }

  private void criterion(
      AccessRules.GrantsView grants,
      String type,
      String name,
      String[] values,
      boolean patientContext) {
    if (name.startsWith("_has:")) {
      if (patientContext) {
        refuse(name, "in patient context a search may not look into other resources (_has)");
      }
      for (String reached : hasTypes(name)) {
        requireAnywhere(grants, name, reached);
      }
      return;
    }
    String parameter = name.contains(".") ? name.substring(0, name.indexOf('.')) : name;
    if (name.contains(".")) {
      chained(grants, name, type, name, patientContext);
    }
    if (patientContext && type != null) {
      onlySelf(grants, type, parameter, values);
    }
  }

  /** A chain (subject.name, actor:Patient.name, patient.organization.name): every hop readable. */
  private void chained(
      AccessRules.GrantsView grants,
      String parameter,
      String type,
      String chain,
      boolean patientContext) {
    if (patientContext) {
      refuse(parameter, "in patient context a search may not chain into other resources");
    }
    for (String reached : hasTypes(chain)) {
      requireAnywhere(grants, parameter, reached); // a _has in any hop, the last included
    }
    Set<String> from = type == null ? Set.of() : Set.of(type);
    String[] hops = chain.split("\\.");
    for (int i = 0; i < hops.length - 1; i++) {
      Set<String> next = new LinkedHashSet<>();
      for (String base : from) {
        next.addAll(targets(base, hops[i]));
      }
      if (next.isEmpty()) {
        refuse(parameter, "the chain " + chain + " reaches a type this server cannot tell");
      }
      for (String reached : next) {
        if (reached.startsWith("_has:")) {
          hasTypes(reached).forEach(t -> requireAnywhere(grants, parameter, t));
        } else {
          requireAnywhere(grants, parameter, reached);
        }
      }
      from = next;
    }
  }

  /** The types a reference parameter (subject, subject:Patient) points to. */
  private Set<String> targets(String base, String hop) {
    if (hop.startsWith("_has:")) {
      return Set.of(hop);
    }
    int colon = hop.indexOf(':');
    if (colon > 0) {
      return Set.of(hop.substring(colon + 1));
    }
    RuntimeSearchParam parameter = registry().getActiveSearchParam(base, hop);
    if (parameter == null || parameter.getParamType() != RestSearchParameterTypeEnum.REFERENCE) {
      return Set.of();
    }
    return parameter.getTargets().isEmpty() ? Set.of("*") : parameter.getTargets();
  }

  /** _has:Observation:patient:code → Observation; nested _has each add their type. */
  static List<String> hasTypes(String name) {
    List<String> types = new ArrayList<>();
    String[] parts = name.split(":");
    for (int i = 0; i < parts.length - 1; i++) {
      if (parts[i].equals("_has") || parts[i].endsWith("._has")) {
        types.add(parts[i + 1]);
      }
    }
    return types;
  }

  /**
   * What an _include (Type:param[:Target]) or _revinclude (Type:param) brings: the reference's
   * target types, or the revincluded type itself.
   */
  private Set<String> includedTypes(String searched, String value, boolean reverse) {
    if (value.equals("*")) {
      return Set.of("*");
    }
    String[] parts = value.split(":");
    if (reverse) {
      return Set.of(parts[0]);
    }
    if (parts.length >= 3) {
      return Set.of(parts[2]);
    }
    if (parts.length == 2) {
      Set<String> targets = targets(parts[0], parts[1]);
      return targets.isEmpty() ? Set.of("*") : targets;
    }
    return Set.of(searched == null ? "*" : searched);
  }

  /** In patient context, a reference criterion to a patient names the patient themself. */
  private void onlySelf(AccessRules.GrantsView grants, String type, String name, String[] values) {
    String self = grants.patientContext().orElseThrow();
    String parameter = name.contains(":") ? name.substring(0, name.indexOf(':')) : name;
    String modifier = name.contains(":") ? name.substring(name.indexOf(':') + 1) : null;
    RuntimeSearchParam definition = registry().getActiveSearchParam(type, parameter);
    boolean patientsOnly =
        "Patient".equals(modifier)
            || (definition != null
                && definition.getTargets().size() == 1
                && definition.getTargets().contains("Patient"));
    if (definition == null
        || definition.getParamType() != RestSearchParameterTypeEnum.REFERENCE
        || !(patientsOnly
            || definition.getTargets().isEmpty()
            || definition.getTargets().contains("Patient"))) {
      return;
    }
    for (String value : values) {
      for (String one : value.split(",")) {
        String reference = one.strip();
        if (reference.isEmpty()) {
          continue;
        }
        if (!reference.contains("/")) {
          if (!patientsOnly) {
            continue; // a bare id of another type (e.g. actor=Practitioner's id) names no patient
          }
          reference = "Patient/" + reference;
        }
        String named = References.unversioned(reference);
        if (References.isOf(named, "Patient") && !named.equals(self)) {
          refuse(name, "in patient context a search may name no other patient than " + self);
        }
      }
    }
  }

  private static void requireAnywhere(
      AccessRules.GrantsView grants, String parameter, String type) {
    if (type.equals("*") ? !grants.readsEverythingAnywhere() : !grants.readsAnywhere(type)) {
      refuse(
          parameter,
          "it searches "
              + ("*".equals(type) ? "every resource type" : type)
              + " across all patients, which your access does not cover: it needs read access to "
              + ("*".equals(type) ? "every type" : type)
              + " (user/"
              + ("*".equals(type) ? "*" : type)
              + ".rs) for all patients");
    }
  }

  private static void requireReadable(
      AccessRules.GrantsView grants, String parameter, String type) {
    boolean readable =
        "*".equals(type)
            ? grants.readsEverythingAnywhere()
            : grants.readsAnywhere(type) || grants.readablePatients(type).isPresent();
    if (!readable) {
      refuse(
          parameter,
          "it includes "
              + ("*".equals(type) ? "every resource type" : type)
              + ", which your access does not allow you to read (user/"
              + type
              + ".rs)");
    }
  }

  private static void refuse(String parameter, String why) {
    String text = "The search parameter " + parameter + " is not allowed: " + why;
    OperationOutcome outcome = new OperationOutcome();
    outcome
        .addIssue()
        .setSeverity(OperationOutcome.IssueSeverity.ERROR)
        .setCode(OperationOutcome.IssueType.FORBIDDEN)
        .setDiagnostics(text)
        .addExpression(parameter);
    throw new ForbiddenOperationException(text, outcome);
  }

  private ISearchParamRegistry registry() {
    return searchParameters.getObject();
  }
}
