package org.grouptherapy.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.context.support.ValidationSupportContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.config.JpaConfig;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.util.Comparator;
import java.util.List;
import org.grouptherapy.system.Hashes;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.WorkerContextValidationSupportAdapter;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.MetadataResource;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.annotation.Order;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Stores the project's conformance resources in the FHIR repository at start, under their fixed
 * ids, so that they are served at {@code /fhir/StructureDefinition/...}, the search parameters are
 * active, and the validator finds the profiles. The content hash of each is kept in {@code
 * gt.installed_conformance_resource}, so a restart rewrites only what changed in the package.
 */
@Component
@Order(0)
class ConformanceResourceInstaller implements ApplicationRunner {

  private static final Logger log = LoggerFactory.getLogger(ConformanceResourceInstaller.class);

  /** Code systems before the value sets that include them, extensions before the profiles. */
  private static final List<String> INSTALL_ORDER =
      List.of(
          "CodeSystem",
          "ValueSet",
          "StructureDefinition",
          "SearchParameter",
          "OperationDefinition",
          "Questionnaire");

  private final ConformancePackage conformancePackage;
  private final DaoRegistry daoRegistry;
  private final FhirContext fhirContext;
  private final IValidationSupport validationSupport;
  private final ISearchParamRegistry searchParamRegistry;
  private final JdbcTemplate jdbc;
  private final org.grouptherapy.system.StartupLock startupLock;

  ConformanceResourceInstaller(
      ConformancePackage conformancePackage,
      DaoRegistry daoRegistry,
      FhirContext fhirContext,
      @Qualifier(JpaConfig.JPA_VALIDATION_SUPPORT_CHAIN) IValidationSupport validationSupport,
      ISearchParamRegistry searchParamRegistry,
      JdbcTemplate jdbc,
      org.grouptherapy.system.StartupLock startupLock) {
    this.conformancePackage = conformancePackage;
    this.daoRegistry = daoRegistry;
    this.fhirContext = fhirContext;
    this.validationSupport = validationSupport;
    this.searchParamRegistry = searchParamRegistry;
    this.jdbc = jdbc;
    this.startupLock = startupLock;
  }

  @Override
  public void run(ApplicationArguments args) throws Exception {
    // Instances starting together wrote the same client-assigned ids at once (HAPI-0825).
    startupLock.run("conformance-package", this::install);
  }

  private void install() {
    Snapshots snapshots = new Snapshots(snapshotContext());
    List<MetadataResource> ordered =
        conformancePackage.resources().stream()
            .sorted(Comparator.comparingInt(ConformanceResourceInstaller::installRank))
            .toList();
    int written = 0;
    for (MetadataResource resource : ordered) {
      String sha256 = sha256(resource);
      if (isInstalled(resource, sha256)) {
        continue;
      }
      IFhirResourceDao<IBaseResource> dao = daoRegistry.getResourceDao(resource.fhirType());
      dao.update(snapshots.of(resource), new SystemRequestDetails());
      recordInstalled(resource, sha256);
      written++;
    }
    searchParamRegistry.forceRefresh();
    log.info(
        "FHIR package: {} conformance resources, {} written, the rest unchanged",
        ordered.size(),
        written);
  }

  private boolean isInstalled(MetadataResource resource, String sha256) {
    Integer matches =
        jdbc.queryForObject(
            "SELECT count(*) FROM gt.installed_conformance_resource"
                + " WHERE resource_type = ? AND resource_id = ? AND content_sha256 = ?",
            Integer.class,
            resource.fhirType(),
            resource.getIdPart(),
            sha256);
    return matches != null && matches > 0 && existsInRepository(resource);
  }

  private boolean existsInRepository(MetadataResource resource) {
    try {
      daoRegistry
          .getResourceDao(resource.fhirType())
          .read(resource.getIdElement(), new SystemRequestDetails());
      return true;
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      return false;
    }
  }

  private void recordInstalled(MetadataResource resource, String sha256) {
    jdbc.update(
        "INSERT INTO gt.installed_conformance_resource (resource_type, resource_id, content_sha256)"
            + " VALUES (?, ?, ?) ON CONFLICT (resource_type, resource_id)"
            + " DO UPDATE SET content_sha256 = excluded.content_sha256, installed_at = now()",
        resource.fhirType(),
        resource.getIdPart(),
        sha256);
  }

  private String sha256(MetadataResource resource) {
    return Hashes.sha256Hex(fhirContext.newJsonParser().encodeResourceToString(resource));
  }

  private static int installRank(MetadataResource resource) {
    int rank = INSTALL_ORDER.indexOf(resource.fhirType());
    if (resource instanceof StructureDefinition sd
        && sd.getKind() == StructureDefinition.StructureDefinitionKind.RESOURCE) {
      rank = rank * 10 + 1;
    } else {
      rank = rank * 10;
    }
    return rank < 0 ? Integer.MAX_VALUE : rank;
  }

  /** The package's own resources first, so a profile's snapshot can resolve its extensions. */
  private ValidationSupportContext snapshotContext() {
    PrePopulatedValidationSupport packageSupport = new PrePopulatedValidationSupport(fhirContext);
    conformancePackage.resources().forEach(packageSupport::addResource);
    return new ValidationSupportContext(
        new ValidationSupportChain(packageSupport, validationSupport));
  }

  /**
   * Snapshots of the package's profiles, all from one worker context. HAPI's snapshot generator
   * otherwise builds a new one per profile, and each converts every StructureDefinition it knows
   * (the core ones included) to R5 for its FHIRPath engine: three quarters of a first start's
   * conformance install in a JFR profile.
   */
  private final class Snapshots {

    private final ValidationSupportContext context;
    private final SnapshotGeneratingValidationSupport generator;

    Snapshots(ValidationSupportContext context) {
      this.context = context;
      this.generator =
          new SnapshotGeneratingValidationSupport(
              fhirContext,
              WorkerContextValidationSupportAdapter.newVersionSpecificWorkerContextWrapper(
                  context.getRootValidationSupport()));
    }

    IBaseResource of(MetadataResource resource) {
      if (!(resource instanceof StructureDefinition sd) || sd.hasSnapshot()) {
        return resource;
      }
      IBaseResource withSnapshot =
          generator.generateSnapshot(context, sd.copy(), sd.getUrl(), null, sd.getName());
      if (withSnapshot == null) {
        throw new IllegalStateException("Could not generate a snapshot for " + sd.getUrl());
      }
      return withSnapshot;
    }
  }
}
