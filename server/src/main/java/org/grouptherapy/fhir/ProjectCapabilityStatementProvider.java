package org.grouptherapy.fhir;

import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.OperationDefinition;

/**
 * HAPI's CapabilityStatement provider, which also answers {@code GET OperationDefinition/{id}} for
 * every OperationDefinition (HAPI routes that read to it, not to the stored resources). The
 * project's own definitions (fhir-profiles/, ids like {@code schedule-series}) are answered from
 * the package, so a read by id returns what a search finds and what the CapabilityStatement links
 * to; HAPI's generated ones (ids like {@code Group-i-schedule-series}, which its OpenAPI generator
 * reads) still come from HAPI.
 *
 * <p>Resource counts are left out: HAPI marks them with an extension whose definition no validator
 * can resolve, and they would tell a caller how many patients the practice has.
 */
class ProjectCapabilityStatementProvider extends JpaCapabilityStatementProvider {

  private final Map<String, OperationDefinition> own;

  ProjectCapabilityStatementProvider(
      RestfulServer server,
      IFhirSystemDao<?, ?> systemDao,
      JpaStorageSettings storageSettings,
      ISearchParamRegistry searchParamRegistry,
      IValidationSupport validationSupport,
      ConformancePackage conformance) {
    super(server, systemDao, storageSettings, searchParamRegistry, validationSupport);
    this.own =
        conformance.operationDefinitions().stream()
            .collect(Collectors.toUnmodifiableMap(d -> d.getIdPart(), Function.identity()));
    setIncludeResourceCounts(false);
  }

  @Override
  public IBaseResource readOperationDefinition(IIdType id, RequestDetails request) {
    if (id == null || id.getIdPart() == null) {
      return super.readOperationDefinition(id, request);
    }
    OperationDefinition definition = own.get(id.getIdPart());
    if (definition != null) {
      return definition.copy();
    }
    OperationDefinition generatedFor = ownForGeneratedId(id.getIdPart());
    if (generatedFor != null) {
      // HAPI's id for one of our operations (what its OpenAPI generator reads): our definition,
      // whose parameters are documented, instead of one derived from a method taking Parameters.
      OperationDefinition copy = generatedFor.copy();
      copy.setId(id.getIdPart());
      return copy;
    }
    return super.readOperationDefinition(id, request);
  }

  /**
   * HAPI names the definitions it generates {@code <Type>-<levels>-<code>} (e.g. {@code
   * Group-i-schedule-series}): ours for that type and code, the longest code that fits.
   */
  private OperationDefinition ownForGeneratedId(String generatedId) {
    OperationDefinition best = null;
    for (OperationDefinition definition : own.values()) {
      String code = definition.getCode();
      boolean forType =
          definition.getResource().stream()
              .anyMatch(type -> generatedId.startsWith(type.getValue() + "-"));
      if (forType
          && generatedId.endsWith("-" + code)
          && (best == null || code.length() > best.getCode().length())) {
        best = definition;
      }
    }
    return best;
  }
}
