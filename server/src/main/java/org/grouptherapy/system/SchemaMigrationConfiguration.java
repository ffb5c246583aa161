package org.grouptherapy.system;

import ca.uhn.fhir.jpa.migrate.DriverTypeEnum;
import ca.uhn.fhir.jpa.migrate.HapiMigrator;
import ca.uhn.fhir.jpa.migrate.MigrationResult;
import ca.uhn.fhir.jpa.migrate.tasks.HapiFhirJpaMigrationTasks;
import ca.uhn.fhir.util.VersionEnum;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.flyway.FlywayMigrationStrategy;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Builds the schema before Hibernate starts: HAPI's tables by HAPI's own migrator (the same tasks
 * as {@code hapi-fhir-cli migrate-database}), then the project's tables by Flyway from the {@code
 * migrations} module, in schema {@code gt}. Hibernate only validates (see application.yaml).
 */
@Configuration(proxyBeanMethods = false)
class SchemaMigrationConfiguration {

  static final String HAPI_MIGRATION_TABLE = "FLY_HFJ_MIGRATION";
  private static final Logger log = LoggerFactory.getLogger(SchemaMigrationConfiguration.class);

  @Bean
  FlywayMigrationStrategy hapiThenProjectMigrations() {
    return flyway -> {
      HapiMigrator hapiMigrator =
          new HapiMigrator(
              HAPI_MIGRATION_TABLE,
              flyway.getConfiguration().getDataSource(),
              DriverTypeEnum.POSTGRES_9_4);
      hapiMigrator.addTasks(
          new HapiFhirJpaMigrationTasks(Set.of()).getAllTasks(VersionEnum.values()));
      hapiMigrator.createMigrationTableIfRequired();
      MigrationResult hapiResult = hapiMigrator.migrate();
      log.info(
          "HAPI schema: {} migration tasks applied, {} failed",
          hapiResult.succeededTasks.size(),
          hapiResult.failedTasks.size());
      if (!hapiResult.failedTasks.isEmpty()) {
        throw new IllegalStateException("HAPI schema migration failed: " + hapiResult.summary());
      }
      var projectResult = flyway.migrate();
      log.info(
          "Project schema {}: {} migrations applied",
          flyway.getConfiguration().getSchemas()[0],
          projectResult.migrationsExecuted);
    };
  }
}
