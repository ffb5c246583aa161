package org.grouptherapy.security;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.grouptherapy.fhir.FhirRestInterceptor;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.springframework.stereotype.Component;

/**
 * A search of a type the caller may read only within some patients' compartments (a patient their
 * own, a therapist the clinical data of their caseload) runs only within those compartments: the
 * compartment criterion is added to the search, so its results, its count ({@code _summary=count})
 * and its total cover nothing else. Without it a search would be refused as soon as one result lay
 * outside, and the refusal itself would say that such a result exists.
 */
@Component
@Interceptor
class CompartmentNarrowing implements FhirRestInterceptor {

  /** An id no patient has: the compartment of a caller whose compartments are none. */
  private static final String NOBODY = "gt-nobody";

  private final CallerResolver callers;
  private final FhirContext fhirContext;

  CompartmentNarrowing(CallerResolver callers, FhirContext fhirContext) {
    this.callers = callers;
    this.fhirContext = fhirContext;
  }

  @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED, order = -10)
  public void narrow(RequestDetails request) {
    RestOperationTypeEnum operation = request.getRestOperationType();
    if (operation != RestOperationTypeEnum.SEARCH_TYPE
        && operation != RestOperationTypeEnum.SEARCH_SYSTEM) {
      return;
    }
    Optional<CallerResolver.Caller> caller = callers.current(request);
    if (caller.isEmpty()) {
      return;
    }
    AccessRules.GrantsView grants = caller.get().view();
    if (operation == RestOperationTypeEnum.SEARCH_SYSTEM) {
      if (!grants.readsEverythingAnywhere()) {
        throw new ForbiddenOperationException(
            "A search across all resource types needs read access to every type for all"
                + " patients; search one type at a time");
      }
      return;
    }
    String type = request.getResourceName();
    if (grants.readsAnywhere(type)) {
      return;
    }
    Optional<Set<IIdType>> patients = grants.compartmentsOf(type);
    if (patients.isEmpty()) {
      return; // not readable at all: SmartAuthorizationInterceptor refuses it
    }
    String parameter = compartmentParameter(type);
    if (parameter == null) {
      throw new ForbiddenOperationException(
          type + " is not in a patient's compartment: your access covers patients' data only");
    }
    Set<String> allowed =
        patients.get().stream().map(IIdType::getIdPart).collect(Collectors.toSet());
    String prefix = "Patient".equals(type) ? "" : "Patient/";
    namesOnlyAllowed(type, parameter, request.getParameters(), allowed);
    Map<String, String[]> narrowed = new HashMap<>(request.getParameters());
    String[] existing = narrowed.get(parameter);
    if (existing == null || existing.length == 0) {
      String all =
          allowed.isEmpty()
              ? prefix + NOBODY
              : allowed.stream().sorted().map(id -> prefix + id).collect(Collectors.joining(","));
      narrowed.put(parameter, new String[] {all});
      request.setParameters(narrowed);
    }
  }

  /**
   * A criterion naming a patient (subject=Patient/X, patient=X, performer:Patient=X) names one the
   * caller may see; else it is refused, as a search about someone else's data.
   */
  private void namesOnlyAllowed(
      String type, String compartment, Map<String, String[]> parameters, Set<String> allowed) {
    Set<String> compartmentParameters =
        "Patient".equals(type)
            ? Set.of("_id")
            : fhirContext
                .getResourceDefinition(type)
                .getSearchParamsForCompartmentName("Patient")
                .stream()
                .map(RuntimeSearchParam::getName)
                .collect(Collectors.toSet());
    for (Map.Entry<String, String[]> criterion : parameters.entrySet()) {
      String key = criterion.getKey();
      String name = key.contains(":") ? key.substring(0, key.indexOf(':')) : key;
      if (!compartmentParameters.contains(name) || key.contains(".")) {
        continue;
      }
      boolean barePatient = key.equals(compartment) || key.endsWith(":Patient");
      for (String value : criterion.getValue()) {
        for (String one : value.split(",")) {
          String reference = one.strip();
          String patient = patientId(reference, barePatient);
          if (patient != null && !allowed.contains(patient)) {
            refuse(key, reference);
          }
        }
      }
    }
  }

  private static void refuse(String parameter, String named) {
    String text =
        "The search parameter "
            + parameter
            + " is not allowed: it names "
            + named
            + ", whose data your access does not cover (only your own patients' data)";
    OperationOutcome outcome = new OperationOutcome();
    outcome
        .addIssue()
        .setSeverity(OperationOutcome.IssueSeverity.ERROR)
        .setCode(OperationOutcome.IssueType.FORBIDDEN)
        .setDiagnostics(text)
        .addExpression(parameter);
    throw new ForbiddenOperationException(text, outcome);
  }

  /**
   * The patient a reference names: Patient/X, http://host/fhir/Patient/X, Patient/X/_history/2, or
   * X where only patients are meant; null when it names another type (Practitioner/Y).
   */
  private static String patientId(String reference, boolean barePatient) {
    if (reference.isEmpty()) {
      return null;
    }
    String[] parts = reference.replaceFirst("/_history/.*$", "").split("/");
    if (parts.length == 1) {
      return barePatient ? parts[0] : null;
    }
    return "Patient".equals(parts[parts.length - 2]) ? parts[parts.length - 1] : null;
  }

  /** The search parameter that puts a resource of this type in a patient's compartment. */
  private String compartmentParameter(String type) {
    if ("Patient".equals(type)) {
      return "_id";
    }
    RuntimeResourceDefinition definition = fhirContext.getResourceDefinition(type);
    List<RuntimeSearchParam> inCompartment =
        definition.getSearchParamsForCompartmentName("Patient");
    for (String preferred : List.of("patient", "subject", "beneficiary", "member", "actor")) {
      for (RuntimeSearchParam parameter : inCompartment) {
        if (parameter.getName().equals(preferred)) {
          return preferred;
        }
      }
    }
    return inCompartment.isEmpty() ? null : inCompartment.get(0).getName();
  }
}
