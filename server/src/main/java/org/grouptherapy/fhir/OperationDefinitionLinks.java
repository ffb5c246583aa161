package org.grouptherapy.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceOperationComponent;
import org.hl7.fhir.r4.model.OperationDefinition;
import org.springframework.stereotype.Component;

/**
 * Points each custom operation in the CapabilityStatement at its OperationDefinition in
 * fhir-profiles/ (the canonical one clients can resolve), instead of the definition HAPI derives
 * from the Java method.
 */
@Component
@Interceptor
class OperationDefinitionLinks implements FhirRestInterceptor {

  private final ConformancePackage conformance;

  OperationDefinitionLinks(ConformancePackage conformance) {
    this.conformance = conformance;
  }

  /**
   * Rewrites a copy on the way out: HAPI caches the generated statement and its OpenAPI generator
   * reads operation definitions back through HAPI's own ids, so the cached one stays as generated.
   */
  @Hook(Pointcut.SERVER_OUTGOING_RESPONSE)
  public boolean link(RequestDetails request, ResponseDetails response) {
    if (!(response.getResponseResource() instanceof CapabilityStatement generated)) {
      return true;
    }
    CapabilityStatement statement = generated.copy();
    for (var rest : statement.getRest()) {
      for (var resource : rest.getResource()) {
        for (CapabilityStatementRestResourceOperationComponent operation :
            resource.getOperation()) {
          for (OperationDefinition definition : conformance.operationDefinitions()) {
            boolean forType =
                definition.getResource().stream()
                    .anyMatch(t -> t.getValue().equals(resource.getType()));
            if (forType && definition.getCode().equals(operation.getName())) {
              operation.setDefinition(definition.getUrl());
            }
          }
        }
      }
      for (var operation : rest.getOperation()) {
        for (OperationDefinition definition : conformance.operationDefinitions()) {
          if (definition.getSystem() && definition.getCode().equals(operation.getName())) {
            operation.setDefinition(definition.getUrl());
          }
        }
      }
    }
    response.setResponseResource(statement);
    return true;
  }
}
