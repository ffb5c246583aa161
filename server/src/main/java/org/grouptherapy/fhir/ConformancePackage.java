package org.grouptherapy.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.grouptherapy.kernel.Canonical;
import org.hl7.fhir.r4.model.MetadataResource;
import org.hl7.fhir.r4.model.OperationDefinition;
import org.hl7.fhir.r4.model.SearchParameter;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/**
 * The project's FHIR package (the fhir-profiles module): profiles, extensions, code systems, value
 * sets, search parameters and operation definitions, read from the classpath.
 */
public final class ConformancePackage {

  public static final String CANONICAL_BASE = Canonical.BASE;
  static final String LOCATION = "classpath*:fhir-profiles/package/*.json";

  private final List<MetadataResource> resources;

  private ConformancePackage(List<MetadataResource> resources) {
    this.resources = List.copyOf(resources);
  }

  public static ConformancePackage load(FhirContext fhirContext) {
    IParser parser = fhirContext.newJsonParser();
    List<MetadataResource> loaded = new ArrayList<>();
    try {
      Resource[] files = new PathMatchingResourcePatternResolver().getResources(LOCATION);
      for (Resource file : files) {
        if ("package.json".equals(file.getFilename())) {
          continue;
        }
        try (InputStream in = file.getInputStream()) {
          loaded.add(
              (MetadataResource)
                  parser.parseResource(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Could not read the FHIR package at " + LOCATION, e);
    }
    if (loaded.isEmpty()) {
      throw new IllegalStateException(
          "No conformance resources at " + LOCATION + ": is the fhir-profiles jar missing?");
    }
    loaded.sort(Comparator.comparing(r -> r.getResourceType().name() + "/" + r.getIdPart()));
    return new ConformancePackage(loaded);
  }

  public List<MetadataResource> resources() {
    return resources;
  }

  public List<StructureDefinition> structureDefinitions() {
    return ofType(StructureDefinition.class);
  }

  public List<SearchParameter> searchParameters() {
    return ofType(SearchParameter.class);
  }

  public List<OperationDefinition> operationDefinitions() {
    return ofType(OperationDefinition.class);
  }

  /**
   * Canonical URLs of the resource profiles (not extensions), which writes are validated against.
   */
  public Set<String> resourceProfileUrls() {
    return structureDefinitions().stream()
        .filter(sd -> sd.getKind() == StructureDefinition.StructureDefinitionKind.RESOURCE)
        .map(StructureDefinition::getUrl)
        .collect(Collectors.toUnmodifiableSet());
  }

  private <T extends MetadataResource> List<T> ofType(Class<T> type) {
    return resources.stream().filter(type::isInstance).map(type::cast).toList();
  }
}
